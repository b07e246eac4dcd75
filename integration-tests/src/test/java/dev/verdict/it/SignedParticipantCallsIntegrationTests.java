package dev.verdict.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import com.sun.net.httpserver.HttpServer;

import dev.verdict.coordinator.CoordinatorApplication;
import dev.verdict.protocol.CallSignature;
import dev.verdict.samples.bank.BankApplication;
import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.EmbeddedPostgresServer;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.Http.Answer;
import dev.verdict.testsupport.ProtocolParticipant;
import dev.verdict.testsupport.ProtocolParticipant.Behaviour;
import dev.verdict.testsupport.TestCredentials;

/**
 * The SDK on PostgreSQL refuses every call to its participant endpoints that the coordinator did not sign
 * just now: unsigned, signed with another secret, signed long ago, or a replay of one the coordinator did
 * sign, captured on the wire. The branch stays prepared through all of them, until the coordinator's own
 * commit. A signed call it cannot carry out gets the problem the protocol documents.
 */
class SignedParticipantCallsIntegrationTests {

    private static final long OPENING_BALANCE = 100_000L;

    private final List<Captured> wire = new CopyOnWriteArrayList<>();
    private ConfigurableApplicationContext coordinator;
    private ConfigurableApplicationContext bank;
    private HttpServer tap;
    private String database;
    private String coordinatorUrl;
    private Http client;
    private int bankPort;
    private String participantUrl;
    private ProtocolParticipant auditor;

    /** A call the coordinator made to the bank, as seen on the wire between them. */
    record Captured(String path, Map<String, String> headers, byte[] body) {
    }

    @AfterEach
    void stop() {
        if (auditor != null) {
            auditor.close();
        }
        if (bank != null) {
            bank.close();
        }
        if (coordinator != null) {
            coordinator.close();
        }
        if (tap != null) {
            tap.stop(0);
        }
    }

    @Test
    void onlyTheCoordinatorsFreshSignedCallsMoveAPreparedBranch() throws Exception {
        startCoordinatorForABankOn("signed_bank");
        tap = tap(participantUrl);
        startBank(bankPort, database, coordinatorUrl, "http://localhost:" + tap.getAddress().getPort() + "/verdict/participant");
        Http bankApi = new Http("http://localhost:" + bankPort);
        auditor = new ProtocolParticipant("auditor", coordinatorUrl, "jdbc:h2:mem:signed-auditor;DB_CLOSE_DELAY=-1")
                .behave(Behaviour.HANG_IN_PREPARE);

        // A transfer's debit in bank A, and an auditor that holds phase 1 open once bank A has prepared
        String id = client.post("/api/v1/transactions", Map.of("name", "signed")).text("id");
        assertThat(bankApi.withHeader("Verdict-Transaction", id).post("/accounts/1/debit", Map.of("cents", 250)).status()).isEqualTo(200);
        auditor.doWork(id);
        String branchId = client.get("/api/v1/transactions/" + id).body().path("branches").valueStream()
                .filter(branch -> branch.path("name").asString().equals("bank-a")).findFirst().orElseThrow().path("branchId").asString();
        CompletableFuture<Answer> commit = CompletableFuture.supplyAsync(() -> client.post("/api/v1/transactions/" + id + "/commit"));
        await().atMost(Duration.ofSeconds(30)).until(() -> !prepared(database).isEmpty());
        Captured prepare = wire.stream().filter(call -> call.path().endsWith("/prepare")).findFirst().orElseThrow();
        byte[] commitBody = ("{\"transactionId\":\"" + id + "\",\"branchId\":\"" + branchId + "\"}").getBytes(StandardCharsets.UTF_8);
        long now = System.currentTimeMillis() / 1000;

        Map<String, Answer> attacks = new java.util.LinkedHashMap<>();
        attacks.put("unsigned commit", call(participantUrl + "/commit", Map.of(), commitBody));
        attacks.put("commit signed with another secret", call(participantUrl + "/commit",
                signed("another secret that is also long enough", "/verdict/participant/commit", now, "n-1", commitBody), commitBody));
        attacks.put("commit signed ten minutes ago", call(participantUrl + "/commit",
                signed(TestCredentials.SIGNING_SECRET, "/verdict/participant/commit", now - 600, "n-2", commitBody), commitBody));
        attacks.put("commit with the prepare's captured signature", call(participantUrl + "/commit", prepare.headers(), commitBody));
        attacks.put("replay of the captured prepare", call(participantUrl + "/prepare", prepare.headers(), prepare.body()));
        attacks.put("unsigned rollback", call(participantUrl + "/rollback", Map.of(), commitBody));

        attacks.forEach((what, answer) -> {
            assertThat(answer.status()).as(what + ": " + answer.raw()).isEqualTo(401);
            assertThat(answer.contentType()).as(what).isEqualTo("application/problem+json");
            assertThat(answer.text("type")).as(what).isEqualTo("urn:verdict:problem:bad-signature");
        });
        assertThat(attacks.get("replay of the captured prepare").text("detail")).contains("replay");
        assertThat(attacks.get("commit signed ten minutes ago").text("detail")).contains("seconds from this participant's clock");
        assertThat(prepared(database)).hasSize(1);
        assertThat(balance(database)).isEqualTo(OPENING_BALANCE);
        assertThat(commit).isNotDone();

        // the coordinator's own commit, once the auditor votes, is the one that ends the branch
        auditor.releasePrepare();
        assertThat(commit.get().status()).as(commit.get().raw()).isEqualTo(200);
        assertThat(prepared(database)).isEmpty();
        assertThat(balance(database)).isEqualTo(OPENING_BALANCE - 250);
        Captured coordinatorsCommit = wire.stream().filter(call -> call.path().endsWith("/commit")).findFirst().orElseThrow();
        Answer replayedCommit = call(participantUrl + "/commit", coordinatorsCommit.headers(), coordinatorsCommit.body());
        assertThat(replayedCommit.status()).as(replayedCommit.raw()).isEqualTo(401);
        assertThat(replayedCommit.text("detail")).contains("replay");
        assertThat(balance(database)).isEqualTo(OPENING_BALANCE - 250);
    }

    @Test
    void theSdkAnswersSignedCallsItCannotCarryOutWithTheDocumentedProblems() throws Exception {
        startCoordinatorForABankOn("answers_bank");
        startBank(bankPort, database, coordinatorUrl, participantUrl);
        String id = client.post("/api/v1/transactions", Map.of()).text("id");
        assertThat(new Http("http://localhost:" + bankPort).withHeader("Verdict-Transaction", id)
                .post("/accounts/2/debit", Map.of("cents", 100)).status()).isEqualTo(200);
        String branchId = client.get("/api/v1/transactions/" + id).body().path("branches").get(0).path("branchId").asString();
        assertThat(client.post("/api/v1/transactions/" + id + "/commit").text("status")).isEqualTo("COMMITTED");
        long now = System.currentTimeMillis() / 1000;

        Answer unknown = signedCall(participantUrl, "commit", "node1-never-seen-here", "no-such-branch", now, "u-1");
        Answer rollbackOfCommitted = signedCall(participantUrl, "rollback", id, branchId, now, "u-2");
        Answer commitAgain = signedCall(participantUrl, "commit", id, branchId, now, "u-3");

        assertThat(unknown.status()).as(unknown.raw()).isEqualTo(404);
        assertThat(unknown.text("type")).isEqualTo("urn:verdict:problem:unknown-branch");
        assertThat(rollbackOfCommitted.status()).as(rollbackOfCommitted.raw()).isEqualTo(409);
        assertThat(rollbackOfCommitted.text("type")).isEqualTo("urn:verdict:problem:branch-outcome-conflict");
        assertThat(commitAgain.status()).as("a repeated commit is acknowledged: " + commitAgain.raw()).isEqualTo(200);
        assertThat(Databases.queryLong(database, "postgres", "postgres", "SELECT balance FROM account WHERE id = 2"))
                .isEqualTo(OPENING_BALANCE - 100);
        assertThat(prepared(database)).isEmpty();
    }

    @Test
    void signedCallsThatFindBusinessWorkStillRunningInTheBranchGetANoVoteOr503AndChangeNothing() throws Exception {
        startCoordinatorForABankOn("busy_bank");
        // a coordinator call waits 1 s for the branch; the debit may wait for its row as long as the test needs
        startBank(bankPort, database, coordinatorUrl, participantUrl,
                "--verdict.participant.lock-timeout=1s", "--verdict.participant.lock-wait-timeout=60s");
        String id = client.post("/api/v1/transactions", Map.of("name", "busy")).text("id");

        CompletableFuture<Answer> debit;
        Answer prepare;
        Answer commit;
        Answer rollback;
        try (Connection teller = Databases.open(database, "postgres", "postgres")) {
            // someone outside the transaction holds account 3, so the debit stays at work inside the branch
            teller.setAutoCommit(false);
            teller.createStatement().execute("SELECT balance FROM account WHERE id = 3 FOR UPDATE");
            debit = CompletableFuture.supplyAsync(() -> new Http("http://localhost:" + bankPort)
                    .withHeader("Verdict-Transaction", id).post("/accounts/3/debit", Map.of("cents", 300)));
            await().atMost(Duration.ofSeconds(30)).until(() -> Databases.queryLong(database, "postgres", "postgres",
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()") == 1);
            String branchId = client.get("/api/v1/transactions/" + id).body().path("branches").get(0).path("branchId").asString();
            long now = System.currentTimeMillis() / 1000;

            prepare = signedCall(participantUrl, "prepare", id, branchId, now, "busy-1");
            commit = signedCall(participantUrl, "commit", id, branchId, now, "busy-2");
            rollback = signedCall(participantUrl, "rollback", id, branchId, now, "busy-3");

            assertThat(debit).as("the debit is still at work").isNotDone();
            teller.rollback();
        }

        // prepare is never retried, so a branch still at work votes no; commit and rollback are told to come back
        assertThat(prepare.status()).as(prepare.raw()).isEqualTo(200);
        assertThat(prepare.text("vote")).isEqualTo("ABORT");
        assertThat(prepare.text("detail")).contains("business work was still running");
        for (Answer answer : List.of(commit, rollback)) {
            assertThat(answer.status()).as(answer.raw()).isEqualTo(503);
            assertThat(answer.contentType()).isEqualTo("application/problem+json");
            assertThat(answer.text("type")).isEqualTo("urn:verdict:problem:branch-busy");
            assertThat(answer.headers().get("retry-after")).containsExactly("1");
        }
        // neither call touched the branch: the debit finishes in it, and the transaction commits as a whole
        assertThat(debit.get().status()).as(debit.get().raw()).isEqualTo(200);
        assertThat(client.post("/api/v1/transactions/" + id + "/commit").text("status")).isEqualTo("COMMITTED");
        assertThat(Databases.queryLong(database, "postgres", "postgres", "SELECT balance FROM account WHERE id = 3"))
                .isEqualTo(OPENING_BALANCE - 300);
        assertThat(prepared(database)).isEmpty();
    }

    /** A call signed as the coordinator signs it, with the shared secret. */
    private static Answer signedCall(String participantUrl, String action, String id, String branchId, long timestamp, String nonce) {
        byte[] body = ("{\"transactionId\":\"" + id + "\",\"branchId\":\"" + branchId + "\"}").getBytes(StandardCharsets.UTF_8);
        return call(participantUrl + "/" + action,
                signed(TestCredentials.SIGNING_SECRET, "/verdict/participant/" + action, timestamp, nonce, body), body);
    }

    /**
     * A new bank database, the coordinator and a client of it, and the port and participant URL that the bank,
     * started by the test, will have.
     */
    private void startCoordinatorForABankOn(String databasePrefix) throws IOException {
        database = EmbeddedPostgresServer.newDatabase(databasePrefix);
        coordinatorUrl = startCoordinator();
        client = TestCredentials.asClient(new Http(coordinatorUrl));
        bankPort = dev.verdict.testsupport.Ports.free();
        participantUrl = "http://localhost:" + bankPort + "/verdict/participant";
    }

    /** The coordinator, in this JVM, on a log of its own; answers its URL once it is ready. */
    private String startCoordinator() throws IOException {
        coordinator = new SpringApplicationBuilder(CoordinatorApplication.class).run(TestCredentials.with(List.of("--server.port=0",
                "--verdict.coordinator.data-dir=" + Files.createTempDirectory("signed-log").toAbsolutePath(),
                "--verdict.coordinator.prepare-timeout=20s", "--verdict.coordinator.lease=40s"),
                TestCredentials.coordinatorArguments()).toArray(String[]::new));
        String url = "http://localhost:" + coordinator.getEnvironment().getProperty("local.server.port");
        new Http(url).awaitStatus("/actuator/health/readiness", 200);
        return url;
    }

    /**
     * Bank A with the real SDK on a PostgreSQL database, registering its branch first, and telling the coordinator to
     * call it at {@code advertisedUrl}.
     */
    private void startBank(int port, String database, String coordinatorUrl, String advertisedUrl, String... more) {
        List<String> arguments = new java.util.ArrayList<>(List.of("--spring.config.name=bank",
                "--spring.profiles.active=a", "--server.port=" + port, "--spring.datasource.url=" + database,
                "--spring.datasource.username=postgres", "--spring.datasource.password=postgres",
                "--verdict.coordinator-url=" + coordinatorUrl, "--verdict.participant.advertised-url=" + advertisedUrl,
                // registered first and prepared by the coordinator's call: these tests are about that call
                "--verdict.participant.prepare-at-request-end=false"));
        arguments.addAll(List.of(more));
        bank = new SpringApplicationBuilder(BankApplication.class).run(TestCredentials.with(arguments,
                TestCredentials.participantArguments()).toArray(String[]::new));
    }

    private static List<String> prepared(String database) {
        return Databases.preparedTransactions(database, "postgres", "postgres");
    }

    private static long balance(String database) {
        return Databases.queryLong(database, "postgres", "postgres", "SELECT balance FROM account WHERE id = 1");
    }

    private static Map<String, String> signed(String secret, String path, long timestamp, String nonce, byte[] body) {
        return Map.of(CallSignature.TIMESTAMP, Long.toString(timestamp), CallSignature.NONCE, nonce,
                CallSignature.SIGNATURE, CallSignature.sign(secret, "POST", path, timestamp, nonce, body));
    }

    private static Answer call(String url, Map<String, String> headers, byte[] body) {
        Http http = new Http(url.substring(0, url.indexOf("/verdict")));
        for (Map.Entry<String, String> header : headers.entrySet()) {
            http = http.withHeader(header.getKey(), header.getValue());
        }
        return http.postRaw(url.substring(url.indexOf("/verdict")), new String(body, StandardCharsets.UTF_8));
    }

    /** A forwarder between the coordinator and the bank that keeps a copy of every call: the attacker's wiretap. */
    private HttpServer tap(String participantUrl) throws IOException {
        HttpClient forward = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/verdict/participant", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String action = exchange.getRequestURI().getPath().substring("/verdict/participant".length());
            Map<String, String> headers = Map.of(
                    CallSignature.TIMESTAMP, String.valueOf(exchange.getRequestHeaders().getFirst(CallSignature.TIMESTAMP)),
                    CallSignature.NONCE, String.valueOf(exchange.getRequestHeaders().getFirst(CallSignature.NONCE)),
                    CallSignature.SIGNATURE, String.valueOf(exchange.getRequestHeaders().getFirst(CallSignature.SIGNATURE)));
            wire.add(new Captured(action, headers, body));
            try {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(participantUrl + action))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
                headers.forEach(request::header);
                HttpResponse<byte[]> answer = forward.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                answer.headers().firstValue("Content-Type").ifPresent(type -> exchange.getResponseHeaders().set("Content-Type", type));
                exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
                exchange.getResponseBody().write(answer.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.sendResponseHeaders(502, -1);
            } finally {
                exchange.close();
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return server;
    }
}
