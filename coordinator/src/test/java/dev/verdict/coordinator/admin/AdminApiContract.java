package dev.verdict.coordinator.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.verdict.coordinator.TestCoordinator;
import dev.verdict.coordinator.log.TransactionLog;
import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.Http.Answer;
import dev.verdict.testsupport.ProtocolParticipant;
import dev.verdict.testsupport.ProtocolParticipant.Behaviour;
import dev.verdict.testsupport.TestCredentials;

/**
 * Every operator action through the admin API, allowed and refused, with the end state in every database.
 * Subclasses run it on each kind of transaction log.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "verdict.coordinator.prepare-timeout=2s",
        "verdict.coordinator.connect-timeout=1s",
        "verdict.coordinator.lease=5s",
        // recovery stays out of the way, so that each action is the one that moves the transaction
        "verdict.coordinator.recovery-interval=1h",
        "resilience4j.retry.instances.phase2.wait-duration=10ms"})
abstract class AdminApiContract {

    @DynamicPropertySource
    static void freshLogAndCredentials(DynamicPropertyRegistry registry) throws Exception {
        TestCoordinator.freshLogAndCredentials(registry, "admin-log");
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource log;

    @Autowired
    TransactionLog transactionLog;

    Http anonymous;
    Http api;
    Http admin;
    ProtocolParticipant alpha;
    ProtocolParticipant beta;

    @BeforeEach
    void start() throws Exception {
        anonymous = new Http("http://localhost:" + port).awaitStatus("/actuator/health/readiness", 200);
        api = TestCredentials.asClient(anonymous);
        admin = TestCredentials.asOperator(anonymous);
        Path databases = Files.createTempDirectory("admin-participants");
        alpha = new ProtocolParticipant("alpha", "http://localhost:" + port, "jdbc:h2:file:" + databases.resolve("alpha").toAbsolutePath());
        beta = new ProtocolParticipant("beta", "http://localhost:" + port, "jdbc:h2:file:" + databases.resolve("beta").toAbsolutePath());
    }

    @AfterEach
    void nothingIsLeftPrepared() {
        for (ProtocolParticipant participant : new ProtocolParticipant[] {alpha, beta}) {
            assertThat(Databases.preparedTransactions(participant.databaseUrl(), "sa", "")).isEmpty();
            participant.close();
        }
    }

    @Test
    void theAdminApiNeedsAnOperator() {
        assertThat(anonymous.get("/api/v1/admin/overview").status()).isEqualTo(401);
        assertThat(anonymous.withHeader("Authorization", "Bearer not-a-token").get("/api/v1/admin/overview").status()).isEqualTo(401);
        assertThat(api.get("/api/v1/admin/overview").status()).isEqualTo(403);
        assertThat(admin.get("/api/v1/admin/overview").status()).isEqualTo(200);
    }

    @Test
    void retryFinishesACommitOnceTheParticipantIsBackAndTheAuditTrailSaysWhoAndWhy() {
        String id = committingWithBetaUnreachable();
        String nextAttempt = admin.get("/api/v1/admin/transactions/" + id).text("nextAttemptAt");
        assertThat(java.time.Instant.parse(nextAttempt)).isAfter(java.time.Instant.now().minusSeconds(5));
        beta.behave(Behaviour.VOTE_YES);

        Answer retried = admin.post("/api/v1/admin/transactions/" + id + "/retry", Map.of("reason", "beta is back up"));

        assertThat(retried.status()).as(retried.raw()).isEqualTo(200);
        assertThat(retried.text("outcome")).isEqualTo("transaction is now COMMITTED");
        assertThat(logState(id)).isEqualTo("COMMITTED");
        assertThat(alpha.committedRows(id)).isEqualTo(1);
        assertThat(beta.committedRows(id)).isEqualTo(1);
        Answer details = admin.get("/api/v1/admin/transactions/" + id);
        assertThat(details.body().path("nextAttemptAt").isNull()).as("nothing left to send").isTrue();
        assertThat(details.body().path("audit").get(0).path("actor").asString()).isEqualTo(TestCredentials.OPERATOR);
        assertThat(details.body().path("audit").get(0).path("reason").asString()).isEqualTo("beta is back up");
        assertThat(details.body().path("audit").get(0).path("action").asString()).isEqualTo("retry-phase-2");
        assertThat(details.body().path("history").valueStream().map(event -> event.path("toState").asString()))
                .contains("ACTIVE", "PREPARING", "COMMITTING", "COMMITTED");
        assertThat(auditEntries(id)).isEqualTo(1);
    }

    @Test
    void retryIsRefusedForATransactionWithoutADecision() {
        String id = begin();

        Answer refused = admin.post("/api/v1/admin/transactions/" + id + "/retry", Map.of("reason", "why not"));

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.text("detail")).contains("is ACTIVE", "decided, unfinished");
        assertThat(auditEntries(id)).isZero();
        api.post("/api/v1/transactions/" + id + "/rollback");
    }

    @Test
    void abortingAnUndecidedTransactionRollsBackEveryBranch() {
        String id = begin();
        alpha.doWork(id);

        Answer aborted = admin.post("/api/v1/admin/transactions/" + id + "/abort", Map.of("reason", "client vanished"));

        assertThat(aborted.status()).isEqualTo(200);
        assertThat(logState(id)).isEqualTo("ABORTED");
        assertThat(alpha.committedRows(id)).isZero();
        assertThat(api.get("/api/v1/transactions/" + id).text("outcomeReason")).contains("aborted by " + TestCredentials.OPERATOR + ": client vanished");
        assertThat(auditEntries(id)).isEqualTo(1);
    }

    @Test
    void abortIsRefusedOnceTheCommitIsDecidedAndAGoneBranchCanBeResolvedByHandAsAHeuristic() throws Exception {
        String id = committingWithBetaUnreachable();

        Answer refused = admin.post("/api/v1/admin/transactions/" + id + "/abort", Map.of("reason", "try"));
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.text("detail")).contains("is COMMITTING", "only before a decision");
        assertThat(alpha.committedRows(id)).isEqualTo(1);

        String betaBranch = branchIdOf(id, "beta");
        Answer resolved = admin.post("/api/v1/admin/transactions/" + id + "/branches/" + betaBranch + "/resolve",
                Map.of("reason", "beta's database was restored from backup and committed by hand"));

        assertThat(resolved.status()).as(resolved.raw()).isEqualTo(200);
        assertThat(logState(id)).isEqualTo("COMMITTED");
        assertThat(new JdbcTemplate(log).queryForObject("SELECT state FROM branch WHERE id = ?", String.class, betaBranch))
                .isEqualTo("RESOLVED_BY_HAND");
        Answer listed = admin.get("/api/v1/admin/transactions?q=" + id);
        assertThat(listed.body().path("items").get(0).path("resolvedByHand").asBoolean()).isTrue();
        beta.commitPreparedBranchesByHand();
    }

    @Test
    void thereIsNoCommitByHandBecauseNoRealStateCouldNeedOne() {
        // Votes and the commit decision are one write to the log, so no transaction ever waits with every
        // branch prepared and no decision: an operator can only abort before the decision, or retry after it.
        String id = begin();
        alpha.doWork(id);

        Answer refused = admin.post("/api/v1/admin/transactions/" + id + "/commit", Map.of("reason", "looks fine"));

        assertThat(refused.status()).isEqualTo(404);
        assertThat(refused.contentType()).isEqualTo("application/problem+json");
        assertThat(logState(id)).isEqualTo("ACTIVE");
        assertThat(auditEntries(id)).isZero();
        assertThat(alpha.committedRows(id)).isZero();
        api.post("/api/v1/transactions/" + id + "/rollback");
    }

    @Test
    void actionsWithoutAReasonOrOnUnknownTransactionsAreRefusedAndChangeNothing() {
        String id = begin();

        Answer noReason = admin.post("/api/v1/admin/transactions/" + id + "/abort", Map.of("reason", " "));
        Answer unknown = admin.post("/api/v1/admin/transactions/nope/abort", Map.of("reason", "test"));
        Answer branchOfActive = admin.post("/api/v1/admin/transactions/" + id + "/branches/x/resolve", Map.of("reason", "test"));

        assertThat(noReason.status()).isEqualTo(400);
        assertThat(noReason.text("detail")).contains("reason is required");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(branchOfActive.status()).isEqualTo(409);
        assertThat(logState(id)).isEqualTo("ACTIVE");
        assertThat(auditEntries(id)).isZero();
        api.post("/api/v1/transactions/" + id + "/rollback");
    }

    @Test
    void theListFiltersAndPagesAndTheOverviewCounts() {
        String committed = api.post("/api/v1/transactions", Map.of("name", "listed-committed")).text("id");
        alpha.doWork(committed);
        api.post("/api/v1/transactions/" + committed + "/commit");
        String aborted = api.post("/api/v1/transactions", Map.of("name", "listed-aborted")).text("id");
        api.post("/api/v1/transactions/" + aborted + "/rollback");

        Answer byName = admin.get("/api/v1/admin/transactions?q=listed-");
        Answer byState = admin.get("/api/v1/admin/transactions?state=ABORTED&q=listed-");
        Answer byParticipant = admin.get("/api/v1/admin/transactions?participant=alpha&q=listed-");
        Answer firstPage = admin.get("/api/v1/admin/transactions?q=listed-&size=1");
        Answer overview = admin.get("/api/v1/admin/overview");

        assertThat(byName.body().path("items").size()).isEqualTo(2);
        assertThat(byState.body().path("items").get(0).path("id").asString()).isEqualTo(aborted);
        assertThat(byParticipant.body().path("items").size()).isEqualTo(1);
        assertThat(byParticipant.body().path("items").get(0).path("id").asString()).isEqualTo(committed);
        assertThat(firstPage.body().path("items").size()).isEqualTo(1);
        assertThat(firstPage.body().path("hasNext").asBoolean()).isTrue();
        assertThat(overview.body().path("counts").path("COMMITTED").asLong()).isPositive();
        assertThat(overview.body().path("throughput").size()).isEqualTo(15);
        assertThat(admin.get("/api/v1/admin/transactions?size=0").status()).isEqualTo(400);
    }

    private String committingWithBetaUnreachable() {
        String id = begin();
        alpha.doWork(id);
        beta.behave(Behaviour.LOSE_OUTCOME).doWork(id);
        Answer decided = api.post("/api/v1/transactions/" + id + "/commit");
        assertThat(decided.text("status")).isEqualTo("COMMITTING");
        return id;
    }

    private String begin() {
        return api.post("/api/v1/transactions", Map.of("timeoutSeconds", 60)).text("id");
    }

    private String branchIdOf(String id, String participant) {
        return new JdbcTemplate(log).queryForObject(
                "SELECT id FROM branch WHERE transaction_id = ? AND participant_name = ?", String.class, id, participant);
    }

    /** The transaction's state in the log database, once the end of phase 2 queued with its answer is written. */
    private String logState(String id) {
        transactionLog.phaseTwo().settle(id);
        return new JdbcTemplate(log).queryForObject("SELECT state FROM global_transaction WHERE id = ?", String.class, id);
    }

    private long auditEntries(String id) {
        return new JdbcTemplate(log).queryForObject("SELECT COUNT(*) FROM audit_entry WHERE transaction_id = ?", Long.class, id);
    }
}
