package dev.verdict.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.verdict.testsupport.ParticipantServer.Response;
import tools.jackson.databind.json.JsonMapper;

/**
 * A participant written from the protocol document alone, without the SDK: a JDK HTTP server and an H2
 * database driven with H2's own two-phase-commit SQL ({@code PREPARE COMMIT}, {@code COMMIT TRANSACTION}).
 * A business call {@code POST /work} with the {@code Verdict-Transaction} header registers a branch and
 * inserts a row; the coordinator's prepare, commit and rollback finish it, each refused with 401 unless signed
 * as the document says. How it votes is set by the test, and whether it prepares each branch itself before
 * registering it. Its HTTP side is {@link ParticipantServer}.
 */
public final class ProtocolParticipant implements AutoCloseable {

    public enum Behaviour {
        /** Prepares and votes PREPARED. */
        VOTE_YES,
        /** Rolls back and votes ABORT. */
        VOTE_NO,
        /** Answers prepare with something that is not a vote. */
        ANSWER_GARBAGE,
        /** Holds prepare open until {@link #releasePrepare()}, as a participant that hangs would. */
        HANG_IN_PREPARE,
        /** Prepares, then answers commit as a participant that lost its record of the branch would: 404. */
        LOSE_OUTCOME,
        /** Prepares, then answers commit and rollback as a participant that is down behind its gateway would: 503. */
        UNAVAILABLE
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String name;
    private final String coordinatorUrl;
    private final String databaseUrl;
    private final ParticipantServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, Branch> branches = new ConcurrentHashMap<>();
    private final CountDownLatch prepareReleased = new CountDownLatch(1);
    private final AtomicInteger commits = new AtomicInteger();
    private final AtomicInteger rollbacks = new AtomicInteger();
    private final AtomicInteger prepareCalls = new AtomicInteger();
    private volatile Behaviour behaviour = Behaviour.VOTE_YES;
    private volatile boolean prepareBeforeRegistering;
    private volatile CountDownLatch commitsHeld = new CountDownLatch(0);

    private record Branch(String branchId, Connection connection) {
    }

    public ProtocolParticipant(String name, String coordinatorUrl, String databaseUrl) {
        this.name = name;
        this.coordinatorUrl = coordinatorUrl;
        this.databaseUrl = databaseUrl;
        try (Connection connection = Databases.open(databaseUrl, "sa", ""); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS work (transaction_id VARCHAR(64) PRIMARY KEY)");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        server = new ParticipantServer(this::work, this::prepare, this::commit, this::rollback);
    }

    public String url() {
        return server.url();
    }

    public String databaseUrl() {
        return databaseUrl;
    }

    public ProtocolParticipant behave(Behaviour behaviour) {
        this.behaviour = behaviour;
        return this;
    }

    /**
     * From now on a business call prepares its branch itself, under an id it chooses, and registers it as
     * prepared; a refused registration rolls the branch back.
     */
    public ProtocolParticipant prepareBeforeRegistering() {
        this.prepareBeforeRegistering = true;
        return this;
    }

    /**
     * From now on this participant offers phase-2 calls sent together, at most {@code most} branches in one,
     * with the answer header the protocol names.
     */
    public ProtocolParticipant offerBatches(int most) {
        server.offerBatches(most);
        return this;
    }

    /** How many branches each batch call carried, in the order they came. */
    public List<Integer> batchSizes() {
        return server.batchSizes();
    }

    /** Commit calls that arrive from now on wait, before touching any branch, until {@link #releaseCommits()}. */
    public void holdCommits() {
        commitsHeld = new CountDownLatch(1);
    }

    public void releaseCommits() {
        commitsHeld.countDown();
    }

    /** Prepare calls the coordinator made. */
    public int prepareCalls() {
        return prepareCalls.get();
    }

    public void releasePrepare() {
        prepareReleased.countDown();
    }

    /** Rows committed for a transaction: 1 after a commit, 0 otherwise. */
    public long committedRows(String transactionId) {
        return Databases.queryLong(databaseUrl, "sa", "", "SELECT COUNT(*) FROM work WHERE transaction_id = '" + transactionId + "'");
    }

    public int commits() {
        return commits.get();
    }

    public int rollbacks() {
        return rollbacks.get();
    }

    /** Coordinator calls refused because their signature did not verify. */
    public int refusedCalls() {
        return server.refusedCalls();
    }

    /**
     * What an operator does on the participant's own database once a branch was resolved by hand on the
     * coordinator: commits every branch still prepared here.
     */
    public void commitPreparedBranchesByHand() throws SQLException {
        for (Branch branch : branches.values()) {
            try (Statement statement = branch.connection().createStatement()) {
                statement.execute("COMMIT TRANSACTION " + sqlName(branch.branchId()));
            }
            finish(branch);
        }
    }

    /** Makes the business call of this participant within a transaction, as a client would. */
    public void doWork(String transactionId) {
        int status = tryWork(transactionId);
        if (status != 200) {
            throw new IllegalStateException("work failed: " + status);
        }
    }

    /**
     * The business call of a participant that prepares its work and answers with a receipt of the branch for the
     * client to carry, instead of registering it: the receipt, signed with {@code secret} (the test secret unless
     * a test forges one), under the test participant's principal.
     */
    public String doWorkForReceipt(String transactionId, String secret) {
        try {
            Branch branch = workAndPrepare(transactionId);
            return new DocumentedSignature(secret).receipt(transactionId, branch.branchId(), name, TestCredentials.PARTICIPANT, url());
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** As {@link #doWorkForReceipt(String, String)} with the secret the coordinator holds for this participant. */
    public String doWorkForReceipt(String transactionId) {
        return doWorkForReceipt(transactionId, TestCredentials.SIGNING_SECRET);
    }

    /**
     * A receipt signed as this participant's for a branch id of the caller's choosing, with no work behind it: a
     * participant that reuses an id another branch has.
     */
    public String receiptNaming(String transactionId, String branchId) {
        return new DocumentedSignature(TestCredentials.SIGNING_SECRET).receipt(transactionId, branchId, name, TestCredentials.PARTICIPANT,
                url());
    }

    /** Rolls back every branch this participant holds, as its recovery does once the coordinator answers ABORT. */
    public void rollBackHeldBranches() throws SQLException {
        for (Branch branch : List.copyOf(branches.values())) {
            branch.connection().rollback();
            finish(branch);
        }
    }

    /** The business call, answering its status: 200, or 409 when the coordinator refused the branch. */
    public int tryWork(String transactionId) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url() + "/work"))
                    .header("Verdict-Transaction", transactionId).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Response work(String transactionId) throws Exception {
        if (prepareBeforeRegistering) {
            return workPreparedFirst(transactionId);
        }
        HttpResponse<String> registered = register(transactionId, Map.of("name", name, "url", url()));
        if (registered.statusCode() != 201 && registered.statusCode() != 200) {
            return new Response(409, registered.body());
        }
        String branchId = JSON.readTree(registered.body()).path("branchId").asString();
        Connection connection = Databases.open(databaseUrl, "sa", "");
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO work (transaction_id) VALUES ('" + transactionId + "')");
        }
        branches.put(branchId, new Branch(branchId, connection));
        return new Response(200, "{}");
    }

    /** The work, then its prepare, then the registration, which must not be refused for the work to count. */
    private Response workPreparedFirst(String transactionId) throws Exception {
        Branch branch = workAndPrepare(transactionId);
        HttpResponse<String> registered = register(transactionId, Map.of("name", name, "url", url(), "branchId", branch.branchId(),
                "prepared", true));
        if (registered.statusCode() != 201 && registered.statusCode() != 200) {
            branch.connection().rollback();
            finish(branch);
            return new Response(409, registered.body());
        }
        return new Response(200, "{}");
    }

    /** The work, prepared under a new branch id that this participant holds until phase 2. */
    private Branch workAndPrepare(String transactionId) throws SQLException {
        String branchId = UUID.randomUUID().toString();
        Connection connection = Databases.open(databaseUrl, "sa", "");
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO work (transaction_id) VALUES ('" + transactionId + "')");
            statement.execute("PREPARE COMMIT " + sqlName(branchId));
        }
        Branch branch = new Branch(branchId, connection);
        branches.put(branchId, branch);
        return branch;
    }

    private HttpResponse<String> register(String transactionId, Map<String, ?> body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(coordinatorUrl + "/api/v1/transactions/" + transactionId + "/participants"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + TestCredentials.PARTICIPANT_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private Response prepare(String branchId) throws Exception {
        prepareCalls.incrementAndGet();
        Branch branch = branches.get(branchId);
        if (branch == null) {
            return new Response(200, "{\"vote\":\"ABORT\",\"detail\":\"unknown branch\"}");
        }
        switch (behaviour) {
            case VOTE_NO -> {
                branch.connection().rollback();
                finish(branch);
                return new Response(200, "{\"vote\":\"ABORT\",\"detail\":\"" + name + " refuses\"}");
            }
            case ANSWER_GARBAGE -> {
                return new Response(200, "<html>surprise</html>");
            }
            case HANG_IN_PREPARE -> prepareReleased.await(60, TimeUnit.SECONDS);
            case VOTE_YES, LOSE_OUTCOME, UNAVAILABLE -> {
            }
        }
        try (Statement statement = branch.connection().createStatement()) {
            statement.execute("PREPARE COMMIT " + sqlName(branch.branchId()));
        }
        return new Response(200, "{\"vote\":\"PREPARED\"}");
    }

    private Response commit(String branchId) throws Exception {
        commitsHeld.await(60, TimeUnit.SECONDS);
        if (behaviour == Behaviour.UNAVAILABLE) {
            return new Response(503, "{}");
        }
        if (behaviour == Behaviour.LOSE_OUTCOME) {
            return new Response(404, "{\"type\":\"urn:verdict:problem:unknown-branch\",\"status\":404,"
                    + "\"detail\":\"no record of branch " + branchId + "; its outcome is unknown\"}");
        }
        // taken out of the map first: of two deliveries of the same commit, only one touches the database
        Branch branch = branches.remove(branchId);
        if (branch != null) {
            try (Statement statement = branch.connection().createStatement()) {
                statement.execute("COMMIT TRANSACTION " + sqlName(branch.branchId()));
            }
            finish(branch);
            commits.incrementAndGet();
        }
        return new Response(200, "{}");
    }

    private Response rollback(String branchId) throws Exception {
        Branch branch = branches.remove(branchId);
        if (branch != null) {
            branch.connection().rollback();
            finish(branch);
        }
        rollbacks.incrementAndGet();
        return new Response(200, "{}");
    }

    private void finish(Branch branch) throws SQLException {
        branches.remove(branch.branchId());
        branch.connection().close();
    }

    private static String sqlName(String branchId) {
        return "B_" + branchId.replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
    }

    @Override
    public void close() {
        releasePrepare();
        server.close();
        branches.values().forEach(branch -> {
            try {
                branch.connection().close();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
