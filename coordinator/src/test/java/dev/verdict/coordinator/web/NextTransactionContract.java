package dev.verdict.coordinator.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.verdict.testsupport.Http.Answer;
import dev.verdict.testsupport.ProtocolParticipant.Behaviour;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import tools.jackson.databind.JsonNode;

/**
 * A commit or rollback that begins the client's next transaction: the next one is in the log, ACTIVE and the
 * client's, before anyone hears its id; with receipts it is begun in the commit decision's own write; bad input
 * refuses the whole call before anything changes; a commit that ends in an abort begins nothing. Subclasses run
 * it on each kind of transaction log.
 */
abstract class NextTransactionContract extends ApiFixture {

    @Autowired
    MeterRegistry meters;

    @Test
    void aCommitWithReceiptsBeginsTheNextTransactionInTheDecisionsOwnWrite() {
        String id = begin();
        List<String> receipts = List.of(alpha.doWorkForReceipt(id), beta.doWorkForReceipt(id));
        long groupCommitsBefore = groupCommits();

        Answer committed = api.post("/api/v1/transactions/" + id + "/commit",
                Map.of("receipts", receipts, "next", Map.of("name", "the next transfer", "timeoutSeconds", 20)));

        assertThat(committed.status()).as(committed.raw()).isEqualTo(200);
        assertThat(committed.text("status")).isEqualTo("COMMITTED");
        transactionLog.phaseTwo().settle(id);
        assertThat(groupCommits() - groupCommitsBefore).as("the decision with the next transaction, then the end of phase 2")
                .isEqualTo(2);
        JsonNode next = committed.body().get("next");
        String nextId = next.get("id").asString();
        assertThat(next.get("status").asString()).isEqualTo("ACTIVE");
        assertThat(next.get("name").asString()).isEqualTo("the next transfer");
        assertThat(Duration.between(Instant.parse(next.get("createdAt").asString()), Instant.parse(next.get("expiresAt").asString())))
                .isEqualTo(Duration.ofSeconds(20));
        assertThat(logState(nextId)).isEqualTo("ACTIVE");
        assertThat(firstHistoryDetail(nextId)).isEqualTo("begun with the commit of " + id);
        assertThat(alpha.committedRows(id) + beta.committedRows(id)).isEqualTo(2);

        List<String> nextReceipts = List.of(alpha.doWorkForReceipt(nextId), beta.doWorkForReceipt(nextId));
        Answer nextCommitted = api.post("/api/v1/transactions/" + nextId + "/commit", Map.of("receipts", nextReceipts));
        assertThat(nextCommitted.text("status")).as("the next transaction works as one begun alone").isEqualTo("COMMITTED");
        assertThat(nextCommitted.body().has("next")).as("no next transaction unless asked").isFalse();
        assertThat(alpha.committedRows(nextId) + beta.committedRows(nextId)).isEqualTo(2);
    }

    @Test
    void aCommitOnTheOrdinaryPathAndARollbackBeginTheNextTransactionToo() {
        String id = begin();
        alpha.doWork(id);
        Answer committed = api.post("/api/v1/transactions/" + id + "/commit", Map.of("next", Map.of()));
        assertThat(committed.text("status")).isEqualTo("COMMITTED");
        String afterCommit = committed.body().get("next").get("id").asString();
        assertThat(logState(afterCommit)).isEqualTo("ACTIVE");
        assertThat(firstHistoryDetail(afterCommit)).isEqualTo("begun with the commit of " + id);
        assertThat(committed.body().get("next").get("name").isNull()).isTrue();
        assertThat(Instant.parse(committed.body().get("next").get("createdAt").asString()))
                .as("begun after phase 2, its timeout running from then").isAfterOrEqualTo(Instant.parse(committed.text("finishedAt")));

        alpha.doWork(afterCommit);
        Answer rolledBack = api.post("/api/v1/transactions/" + afterCommit + "/rollback", Map.of("next", Map.of("timeoutSeconds", 5)));
        assertThat(rolledBack.text("status")).isEqualTo("ABORTED");
        assertThat(alpha.committedRows(afterCommit)).isZero();
        String afterRollback = rolledBack.body().get("next").get("id").asString();
        assertThat(logState(afterRollback)).isEqualTo("ACTIVE");
        assertThat(firstHistoryDetail(afterRollback)).isEqualTo("begun with the rollback of " + afterCommit);
        assertThat(api.get("/api/v1/transactions/" + afterRollback).text("status")).as("the client's own").isEqualTo("ACTIVE");
        api.post("/api/v1/transactions/" + afterRollback + "/rollback");
    }

    @Test
    void aBadNextTransactionRefusesTheWholeCommitBeforeAnythingChanges() {
        String id = begin();
        String receipt = alpha.doWorkForReceipt(id);
        long transactions = transactionsInLog();
        String path = "/api/v1/transactions/" + id + "/commit";

        assertProblem(api.post(path, Map.of("receipts", List.of(receipt), "next", Map.of("timeoutSeconds", 0))), 400, "invalid-request");
        assertProblem(api.post(path, Map.of("receipts", List.of(receipt), "next", Map.of("name", "x".repeat(201)))), 400,
                "invalid-request");

        assertThat(logState(id)).isEqualTo("ACTIVE");
        assertThat(branchStates(id)).isEmpty();
        assertThat(transactionsInLog()).isEqualTo(transactions);
        assertThat(api.post(path, Map.of("receipts", List.of(receipt))).text("status")).isEqualTo("COMMITTED");
    }

    @Test
    void aCommitThatEndsInAnAbortBeginsNoNextTransaction() {
        String id = begin();
        alpha.doWork(id);
        beta.behave(Behaviour.VOTE_NO).doWork(id);
        long transactions = transactionsInLog();

        Answer aborted = api.post("/api/v1/transactions/" + id + "/commit", Map.of("next", Map.of()));

        assertProblem(aborted, 409, "transaction-aborted");
        assertThat(aborted.body().get("transaction").has("next")).isFalse();
        assertThat(transactionsInLog()).isEqualTo(transactions);
        assertThat(alpha.committedRows(id) + beta.committedRows(id)).isZero();
    }

    private long groupCommits() {
        return meters.find("verdict.log.commit").timers().stream().mapToLong(Timer::count).sum();
    }

    private String firstHistoryDetail(String id) {
        return new JdbcTemplate(log).queryForObject(
                "SELECT detail FROM transaction_event WHERE transaction_id = ? AND branch_id IS NULL ORDER BY id FETCH FIRST 1 ROWS ONLY",
                String.class, id);
    }
}
