package dev.verdict.coordinator.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.Http.Answer;
import dev.verdict.testsupport.ProtocolParticipant;
import dev.verdict.testsupport.ProtocolParticipant.Behaviour;

/**
 * The coordinator's REST API against participants written from the protocol document alone (no SDK),
 * each with an H2 database of its own. Subclasses run it on each kind of transaction log.
 */
abstract class TransactionApiContract extends ApiFixture {

    @Test
    void beginAnswersCreatedWithLocationAndAnActiveTransaction() {
        Answer begun = api.post("/api/v1/transactions", Map.of("timeoutSeconds", 30, "name", "transfer-42"));

        assertThat(begun.status()).isEqualTo(201);
        assertThat(begun.text("status")).isEqualTo("ACTIVE");
        assertThat(begun.text("name")).isEqualTo("transfer-42");
        assertThat(begun.text("expiresAt")).isNotBlank();
        assertThat(begun.headers().get("location")).singleElement().asString()
                .endsWith("/api/v1/transactions/" + begun.text("id"));
        assertThat(api.get("/api/v1/transactions/" + begun.text("id")).text("status")).isEqualTo("ACTIVE");
    }

    @Test
    void commitWithEveryBranchVotingYesCommitsInEveryDatabase() {
        String id = begin();
        alpha.doWork(id);
        beta.doWork(id);

        Answer committed = api.post("/api/v1/transactions/" + id + "/commit");

        assertThat(committed.status()).isEqualTo(200);
        assertThat(committed.text("status")).isEqualTo("COMMITTED");
        assertThat(alpha.committedRows(id)).isEqualTo(1);
        assertThat(beta.committedRows(id)).isEqualTo(1);
        assertThat(branchStates(id)).containsExactly("COMMITTED", "COMMITTED");
        assertThat(logState(id)).isEqualTo("COMMITTED");
    }

    @Test
    void aNoVoteAbortsEveryBranchAndTheAnswerSaysWhoRefusedAndWhy() {
        String id = begin();
        alpha.doWork(id);
        beta.behave(Behaviour.VOTE_NO).doWork(id);

        Answer aborted = api.post("/api/v1/transactions/" + id + "/commit");

        assertThat(aborted.status()).isEqualTo(409);
        assertThat(aborted.contentType()).isEqualTo("application/problem+json");
        assertThat(aborted.text("type")).isEqualTo("urn:verdict:problem:transaction-aborted");
        assertThat(aborted.text("detail")).contains("participant 'beta' voted no: beta refuses");
        assertThat(alpha.committedRows(id)).isZero();
        assertThat(beta.committedRows(id)).isZero();
        assertThat(alpha.rollbacks()).isEqualTo(1);
        assertThat(logState(id)).isEqualTo("ABORTED");
    }

    @Test
    void anAnswerToPrepareThatIsNotAVoteCountsAsNo() {
        String id = begin();
        alpha.doWork(id);
        beta.behave(Behaviour.ANSWER_GARBAGE).doWork(id);

        Answer aborted = api.post("/api/v1/transactions/" + id + "/commit");

        assertThat(aborted.status()).isEqualTo(409);
        assertThat(aborted.text("detail")).contains("participant 'beta'", "not a vote");
        assertThat(alpha.committedRows(id)).isZero();
        assertThat(beta.committedRows(id)).isZero();
    }

    @Test
    void aParticipantSilentPastThePrepareTimeoutCountsAsNo() {
        String id = begin();
        alpha.doWork(id);
        beta.behave(Behaviour.HANG_IN_PREPARE).doWork(id);

        Answer aborted = api.post("/api/v1/transactions/" + id + "/commit");
        beta.releasePrepare();

        assertThat(aborted.status()).isEqualTo(409);
        assertThat(aborted.text("detail")).contains("participant 'beta'", "did not answer prepare");
        assertThat(alpha.committedRows(id)).isZero();
        await().untilAsserted(() -> assertThat(Databases.preparedTransactions(beta.databaseUrl(), "sa", "")).isEmpty());
        assertThat(beta.committedRows(id)).isZero();
    }

    @Test
    void aBranchWhoseOutcomeTheParticipantCannotProveIsNeverReportedCommitted() {
        String id = begin();
        alpha.doWork(id);
        beta.behave(Behaviour.LOSE_OUTCOME).doWork(id);

        Answer decided = api.post("/api/v1/transactions/" + id + "/commit");

        assertThat(decided.status()).isEqualTo(202);
        assertThat(decided.text("status")).isEqualTo("COMMITTING");
        await().untilAsserted(() -> assertThat(
                api.get("/api/v1/transactions/" + id).body().path("branches").get(1).path("attempts").asInt()).isGreaterThan(1));
        Answer shown = api.get("/api/v1/transactions/" + id);
        assertThat(shown.text("status")).isEqualTo("COMMITTING");
        assertThat(shown.body().path("branches").get(1).path("lastError").asString()).contains("HTTP 404", "outcome is unknown");
        assertThat(alpha.committedRows(id)).isEqualTo(1);

        beta.behave(Behaviour.VOTE_YES);
        await().until(() -> logState(id).equals("COMMITTED"));
        assertThat(beta.committedRows(id)).isEqualTo(1);
    }

    @Test
    void aCommitThatPrefersAnAsyncAnswerIsAnsweredAtTheDecisionAndFinishesInTheBackground() {
        String id = begin();
        alpha.doWork(id);
        beta.doWork(id);

        Answer decided = api.withHeader("Prefer", "respond-async").post("/api/v1/transactions/" + id + "/commit");

        assertThat(decided.status()).isEqualTo(202);
        assertThat(decided.text("status")).isEqualTo("COMMITTING");
        assertThat(decided.headers().get("preference-applied")).containsExactly("respond-async");
        await().until(() -> logState(id).equals("COMMITTED"));
        assertThat(alpha.committedRows(id) + beta.committedRows(id)).isEqualTo(2);
        assertThat(branchStates(id)).containsExactly("COMMITTED", "COMMITTED");
    }

    @Test
    void explicitRollbackRollsBackEveryBranch() {
        String id = begin();
        alpha.doWork(id);
        beta.doWork(id);

        Answer rolledBack = api.post("/api/v1/transactions/" + id + "/rollback");

        assertThat(rolledBack.status()).isEqualTo(200);
        assertThat(rolledBack.text("status")).isEqualTo("ABORTED");
        assertThat(alpha.committedRows(id) + beta.committedRows(id)).isZero();
        assertThat(alpha.rollbacks()).isEqualTo(1);
        assertThat(beta.rollbacks()).isEqualTo(1);
        assertThat(branchStates(id)).containsExactly("ROLLED_BACK", "ROLLED_BACK");
    }

    @Test
    void aTransactionLeftActivePastItsTimeoutIsAbortedAndItsBranchesRolledBack() {
        String id = api.post("/api/v1/transactions", Map.of("timeoutSeconds", 1)).text("id");
        alpha.doWork(id);

        await().atMost(Duration.ofSeconds(10)).until(() -> logState(id).equals("ABORTED"));

        assertThat(api.get("/api/v1/transactions/" + id).text("outcomeReason")).contains("timed out");
        assertThat(alpha.rollbacks()).isEqualTo(1);
        assertThat(alpha.committedRows(id)).isZero();
        Answer lateCommit = api.post("/api/v1/transactions/" + id + "/commit");
        assertThat(lateCommit.status()).isEqualTo(409);
    }

    @Test
    void racingCommitsAndRollbacksEndInExactlyOneOutcomeEverywhere() throws Exception {
        String id = begin();
        alpha.doWork(id);
        beta.doWork(id);

        List<java.util.concurrent.Future<Answer>> answers = new ArrayList<>();
        try (var clients = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 10; i++) {
                String action = i % 2 == 0 ? "/commit" : "/rollback";
                answers.add(clients.submit(() -> api.post("/api/v1/transactions/" + id + action)));
            }
        }

        await().until(() -> List.of("COMMITTED", "ABORTED").contains(logState(id)));
        String outcome = logState(id);
        long rows = outcome.equals("COMMITTED") ? 1 : 0;
        assertThat(alpha.committedRows(id)).isEqualTo(rows);
        assertThat(beta.committedRows(id)).isEqualTo(rows);
        for (var answer : answers) {
            Answer told = answer.get();
            assertThat(told.status()).as(told.raw()).isIn(200, 202, 409);
            if (told.status() == 200) {
                assertThat(told.text("status")).isEqualTo(outcome);
            }
        }
    }

    @Test
    void theSameParticipantRegisteringAgainGetsItsBranchBack() {
        String id = begin();
        Map<String, String> registration = Map.of("name", "gamma", "url", "http://localhost:9/gamma");

        Answer first = participantApi.post("/api/v1/transactions/" + id + "/participants", registration);
        Answer again = participantApi.post("/api/v1/transactions/" + id + "/participants", registration);

        assertThat(first.status()).isEqualTo(201);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.text("branchId")).isEqualTo(first.text("branchId"));
        assertThat(branchStates(id)).hasSize(1);
        api.post("/api/v1/transactions/" + id + "/rollback");
    }

    @Test
    void registeringIntoAFinishedTransactionIsRefusedAndChangesNothing() {
        String id = begin();
        api.post("/api/v1/transactions/" + id + "/rollback");

        Answer refused = participantApi.post("/api/v1/transactions/" + id + "/participants",
                Map.of("name", "late", "url", "http://localhost:9/late"));

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.text("type")).isEqualTo("urn:verdict:problem:illegal-state");
        assertThat(refused.text("detail")).contains("ABORTED", "only while it is ACTIVE");
        assertThat(branchStates(id)).isEmpty();
    }

    @Test
    void commitAfterRollbackIsRefused() {
        String id = begin();
        api.post("/api/v1/transactions/" + id + "/rollback");

        Answer refused = api.post("/api/v1/transactions/" + id + "/commit");

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.text("detail")).contains("aborted", "rolled back by the client");
        assertThat(logState(id)).isEqualTo("ABORTED");
    }

    @Test
    void rollbackAfterCommitIsRefusedAndTheCommitStands() {
        String id = begin();
        alpha.doWork(id);
        api.post("/api/v1/transactions/" + id + "/commit");

        Answer refused = api.post("/api/v1/transactions/" + id + "/rollback");

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.text("detail")).contains("COMMITTED", "commit is already decided");
        assertThat(alpha.committedRows(id)).isEqualTo(1);
        assertThat(logState(id)).isEqualTo("COMMITTED");
    }

    @Test
    void aRepeatedCommitAnswersTheSameOutcomeWithoutCallingParticipantsAgain() {
        String id = begin();
        alpha.doWork(id);
        api.post("/api/v1/transactions/" + id + "/commit");

        Answer again = api.post("/api/v1/transactions/" + id + "/commit");

        assertThat(again.status()).isEqualTo(200);
        assertThat(again.text("status")).isEqualTo("COMMITTED");
        assertThat(alpha.commits()).isEqualTo(1);
    }

    @Test
    void badInputGetsAProblemDetailAndChangesNothing() {
        long before = transactionsInLog();

        assertProblem(api.postRaw("/api/v1/transactions", "{\"timeoutSeconds\":"), 400, "invalid-request");
        assertProblem(api.post("/api/v1/transactions", Map.of("timeoutSeconds", 0)), 400, "invalid-request");
        assertProblem(api.post("/api/v1/transactions", Map.of("timeoutSeconds", 999_999)), 400, "invalid-request");
        assertProblem(api.postRaw("/api/v1/transactions", "{\"timeoutSeconds\": \"soon\"}"), 400, "invalid-request");
        assertProblem(api.get("/api/v1/transactions/no-such-id"), 404, "transaction-not-found");
        assertProblem(api.post("/api/v1/transactions/no-such-id/commit"), 404, "transaction-not-found");
        assertProblem(api.post("/api/v1/transactions/no-such-id/rollback"), 404, "transaction-not-found");
        assertProblem(api.get("/api/v1/no-such-thing"), 404, "invalid-request");

        String id = begin();
        assertProblem(participantApi.post("/api/v1/transactions/" + id + "/participants", Map.of("name", "x")), 400, "invalid-request");
        assertProblem(participantApi.post("/api/v1/transactions/" + id + "/participants", Map.of("name", "x", "url", "ftp://x")),
                400, "invalid-request");
        assertProblem(participantApi.postRaw("/api/v1/transactions/" + id + "/participants", "[]"), 400, "invalid-request");

        assertThat(transactionsInLog()).isEqualTo(before + 1);
        assertThat(branchStates(id)).isEmpty();
        api.post("/api/v1/transactions/" + id + "/rollback");
    }

}
