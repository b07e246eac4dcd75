package dev.verdict.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.EmbeddedPostgresServer;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.JavaProcess;
import dev.verdict.testsupport.PackagedApp;
import dev.verdict.testsupport.Ports;
import dev.verdict.testsupport.ProtocolParticipant;
import dev.verdict.testsupport.TestCredentials;

/**
 * The packaged coordinator (on its H2 file log) and two packaged banks (on PostgreSQL) as separate processes. One of them
 * dies at a named crash point ({@code Runtime.halt}) or by {@code kill -9}, comes back, and after recovery
 * the transfer is committed in both banks or in neither, with nothing left prepared. The banks register first and
 * answer prepare, except in the tests of banks that prepare as the request ends.
 */
class CrashRecoveryIT {

    private static final long AMOUNT = 10_00;

    @TempDir
    Path directory;
    /** Process logs are kept as test artefacts. */
    final Path logs = Path.of("target", "crash-logs", Long.toString(System.currentTimeMillis()));

    final int coordinatorPort = Ports.free();
    final Map<String, Integer> bankPorts = Map.of("a", Ports.free(), "b", Ports.free());
    final Map<String, String> bankDatabases = Map.of(
            "a", EmbeddedPostgresServer.newDatabase("crash_bank_a"), "b", EmbeddedPostgresServer.newDatabase("crash_bank_b"));
    final List<JavaProcess> processes = new ArrayList<>();
    final Http coordinatorApi = TestCredentials.asClient(new Http("http://localhost:" + coordinatorPort));
    JavaProcess coordinator;
    final Map<String, JavaProcess> banks = new java.util.HashMap<>();
    /**
     * Whether the banks prepare as each request ends and register prepared (the sample's setting). Most tests
     * turn it off: their crash points are those of the coordinator's prepare call.
     */
    boolean prepareAtRequestEnd;

    @BeforeEach
    void startEverything() {
        coordinator = startCoordinator(null);
        banks.put("a", startBank("a", null));
        banks.put("b", startBank("b", null));
        banks.values().forEach(bank -> bank.awaitHttp(bankUrl(bank == banks.get("a") ? "a" : "b") + "/accounts"));
    }

    @AfterEach
    void stopEverything() {
        processes.forEach(JavaProcess::close);
    }

    @Test
    void aCoordinatorCrashBeforeTheDecisionIsLoggedEndsInAbortEverywhere() {
        restartCoordinatorArmedWith("before-decision");
        String id = transferAndCommit();
        awaitDeath(coordinator);

        coordinator = startCoordinator(null);

        assertOutcome(id, "ABORTED");
    }

    @Test
    void aCoordinatorCrashAfterTheDecisionIsLoggedEndsInCommitEverywhere() {
        restartCoordinatorArmedWith("after-decision");
        String id = transferAndCommit();
        awaitDeath(coordinator);

        coordinator = startCoordinator(null);

        assertOutcome(id, "COMMITTED");
    }

    @Test
    void aCoordinatorCrashAfterTheFirstBranchCommittedCommitsTheOther() {
        restartCoordinatorArmedWith("after-first-commit");
        String id = transferAndCommit();
        awaitDeath(coordinator);

        coordinator = startCoordinator(null);

        assertOutcome(id, "COMMITTED");
    }

    @Test
    void aTransactionStillActiveWhenTheCoordinatorDiesIsAbortedWhenItComesBack() {
        String id = coordinatorApi.post("/api/v1/transactions").text("id");
        businessCall("a", "/accounts/1/debit", id);
        businessCall("b", "/accounts/1/credit", id);
        coordinator.kill9();

        coordinator = startCoordinator(null);

        assertOutcome(id, "ABORTED");
        assertThat(coordinatorApi.get("/api/v1/transactions/" + id).text("outcomeReason")).contains("presumed abort");
    }

    @Test
    void aParticipantCrashAfterPrepareBeforeItsVoteEndsInAbortOnceItIsBack() {
        restartBankArmedWith("b", "after-prepare");
        String id = transferAndCommit();
        awaitDeath(banks.get("b"));
        assertThat(Databases.preparedTransactions(bankDatabases.get("b"), "postgres", "postgres")).hasSize(1);

        banks.put("b", startBank("b", null));

        assertOutcome(id, "ABORTED");
    }

    @Test
    void aParticipantCrashAfterItCommittedIsProvenCommittedByItsMarker() {
        restartBankArmedWith("b", "after-commit");
        String id = transferAndCommit();
        awaitDeath(banks.get("b"));

        banks.put("b", startBank("b", null));

        assertOutcome(id, "COMMITTED");
    }

    @Test
    void aParticipantKilledBeforePrepareTakesItsWorkWithItAndTheTransferAborts() {
        String id = coordinatorApi.post("/api/v1/transactions").text("id");
        businessCall("a", "/accounts/1/debit", id);
        businessCall("b", "/accounts/1/credit", id);
        banks.get("a").kill9();

        coordinatorApi.post("/api/v1/transactions/" + id + "/commit");
        banks.put("a", startBank("a", null));

        assertOutcome(id, "ABORTED");
    }

    @Test
    void aParticipantThatVotedYesAndDiedBeforeTheCommitCommitsFromItsPreparedListOnceBack() {
        restartBankArmedWith("b", "before-commit");
        String id = coordinatorApi.post("/api/v1/transactions").text("id");
        businessCall("a", "/accounts/1/debit", id);
        businessCall("b", "/accounts/1/credit", id);

        Http.Answer commit = coordinatorApi.post("/api/v1/transactions/" + id + "/commit");
        awaitDeath(banks.get("b"));

        assertThat(commit.status()).as(commit.raw()).isEqualTo(202);
        assertThat(commit.text("status")).isEqualTo("COMMITTING");
        assertThat(prepared("b")).as("bank b's yes vote survives its death").isEqualTo(1);
        banks.put("b", startBank("b", null));
        assertOutcome(id, "COMMITTED");
    }

    @Test
    void aParticipantThatDiesAfterPreparingItselfAndBeforeRegisteringIsRolledBackOnceTheTransactionAborts() {
        prepareAtRequestEnd = true;
        restartBankArmedWith("a", null);
        restartBankArmedWith("b", "after-prepare");
        String id = coordinatorApi.post("/api/v1/transactions").text("id");
        businessCall("a", "/accounts/1/debit", id);

        assertThatThrownBy(() -> new Http(bankUrl("b")).withHeader("Verdict-Transaction", id).post("/accounts/1/credit",
                Map.of("cents", AMOUNT))).as("bank b dies inside the credit").isInstanceOf(UncheckedIOException.class);
        awaitDeath(banks.get("b"));
        assertThat(prepared("b")).as("prepared, and unknown to the coordinator").isEqualTo(1);
        assertThat(coordinatorApi.get("/api/v1/transactions/" + id).body().path("branches").size()).isEqualTo(1);
        coordinatorApi.post("/api/v1/transactions/" + id + "/rollback");
        banks.put("b", startBank("b", null));

        assertOutcome(id, "ABORTED");
    }

    @Test
    void aParticipantKilledAfterItsBranchRegisteredPreparedCommitsFromItsPreparedListOnceBack() {
        prepareAtRequestEnd = true;
        restartBankArmedWith("a", null);
        restartBankArmedWith("b", null);
        String id = coordinatorApi.post("/api/v1/transactions").text("id");
        businessCall("a", "/accounts/1/debit", id);
        businessCall("b", "/accounts/1/credit", id);
        banks.get("a").kill9();

        Http.Answer commit = coordinatorApi.post("/api/v1/transactions/" + id + "/commit");

        assertThat(commit.status()).as("decided with no prepare call, bank a unreachable in phase 2: " + commit.raw()).isEqualTo(202);
        assertThat(prepared("a")).isEqualTo(1);
        banks.put("a", startBank("a", null));
        assertOutcome(id, "COMMITTED");
    }

    @Test
    void aCoordinatorCrashAfterAnAbortDecisionEndsInRollbackEverywhere() throws Exception {
        abortDecidedThenCrashAt("after-abort-decision");
    }

    @Test
    void aCoordinatorCrashAfterTheFirstRollbackRollsBackTheOthers() throws Exception {
        abortDecidedThenCrashAt("after-first-rollback");
    }

    /** Both banks prepare, a third participant votes no, and the coordinator dies at a point of the abort path. */
    private void abortDecidedThenCrashAt(String crashPoint) throws Exception {
        restartCoordinatorArmedWith(crashPoint);
        try (ProtocolParticipant naysayer = auditor(ProtocolParticipant.Behaviour.VOTE_NO)) {
            String id = coordinatorApi.post("/api/v1/transactions").text("id");
            businessCall("a", "/accounts/1/debit", id);
            businessCall("b", "/accounts/1/credit", id);
            naysayer.doWork(id);
            try {
                coordinatorApi.post("/api/v1/transactions/" + id + "/commit");
            } catch (UncheckedIOException expectedWhenTheCoordinatorDies) {
                // the outcome is checked after recovery
            }
            awaitDeath(coordinator);

            coordinator = startCoordinator(null);

            assertOutcome(id, "ABORTED");
        }
    }

    /** A participant written from the protocol alone, on an H2 database of its own, behaving as told. */
    private ProtocolParticipant auditor(ProtocolParticipant.Behaviour behaviour) {
        return new ProtocolParticipant("auditor", "http://localhost:" + coordinatorPort,
                "jdbc:h2:file:" + directory.resolve("auditor-" + System.nanoTime()).toAbsolutePath()).behave(behaviour);
    }

    private int prepared(String bank) {
        return Databases.preparedTransactions(bankDatabases.get(bank), "postgres", "postgres").size();
    }

    private String transferAndCommit() {
        String id = coordinatorApi.post("/api/v1/transactions").text("id");
        businessCall("a", "/accounts/1/debit", id);
        businessCall("b", "/accounts/1/credit", id);
        try {
            coordinatorApi.post("/api/v1/transactions/" + id + "/commit");
        } catch (UncheckedIOException expectedWhenTheCoordinatorDies) {
            // the coordinator may halt before it answers; the outcome is checked after recovery
        }
        return id;
    }

    private void businessCall(String bank, String path, String transactionId) {
        Http.Answer answer = new Http(bankUrl(bank)).withHeader("Verdict-Transaction", transactionId)
                .post(path, Map.of("cents", AMOUNT));
        assertThat(answer.status()).as(answer.raw()).isEqualTo(200);
    }

    private void assertOutcome(String id, String expected) {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(coordinatorApi.get("/api/v1/transactions/" + id).text("status")).isEqualTo(expected);
            for (String bank : List.of("a", "b")) {
                assertThat(Databases.preparedTransactions(bankDatabases.get(bank), "postgres", "postgres")).isEmpty();
            }
        });
        long debit = expected.equals("COMMITTED") ? AMOUNT : 0;
        assertThat(balance("a", 1)).isEqualTo(100_000 - debit);
        assertThat(balance("b", 1)).isEqualTo(100_000 + debit);
    }

    private long balance(String bank, long account) {
        return Databases.queryLong(bankDatabases.get(bank), "postgres", "postgres",
                "SELECT balance FROM account WHERE id = " + account);
    }

    private void restartCoordinatorArmedWith(String crashPoint) {
        coordinator.kill9();
        coordinator = startCoordinator(crashPoint);
    }

    private void restartBankArmedWith(String bank, String crashPoint) {
        banks.get(bank).kill9();
        banks.put(bank, startBank(bank, crashPoint));
    }

    private static void awaitDeath(JavaProcess process) {
        await().atMost(Duration.ofSeconds(30)).until(() -> !process.isAlive());
    }

    private JavaProcess startCoordinator(String crashPoint) {
        JavaProcess process = JavaProcess.start(PackagedApp.coordinator(), logs.resolve("coordinator.log"),
                ProcessArguments.TEST_JVM, ProcessArguments.coordinator(coordinatorPort, directory, crashPoint));
        processes.add(process);
        return process.awaitHttp("http://localhost:" + coordinatorPort + "/actuator/health/readiness");
    }

    private JavaProcess startBank(String bank, String crashPoint) {
        List<String> arguments = new ArrayList<>(ProcessArguments.bank(bank, bankPorts.get(bank), bankDatabases.get(bank),
                coordinatorPort, crashPoint));
        arguments.add("--verdict.participant.prepare-at-request-end=" + prepareAtRequestEnd);
        JavaProcess process = JavaProcess.start(PackagedApp.bank(), logs.resolve("bank-" + bank + ".log"),
                ProcessArguments.TEST_JVM, arguments);
        processes.add(process);
        return process.awaitHttp(bankUrl(bank) + "/accounts");
    }

    private String bankUrl(String bank) {
        return "http://localhost:" + bankPorts.get(bank);
    }
}
