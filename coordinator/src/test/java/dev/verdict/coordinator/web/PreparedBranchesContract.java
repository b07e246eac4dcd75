package dev.verdict.coordinator.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.verdict.coordinator.transaction.TimeOrderedIds;
import dev.verdict.testsupport.Http.Answer;
import dev.verdict.testsupport.ProtocolParticipant.Behaviour;
import tools.jackson.databind.JsonNode;

/**
 * Participants that prepare their branch at the end of their own work and register it prepared: commit
 * asks them nothing in phase 1, a registration that comes too late is refused so that the participant rolls
 * its branch back, and a participant's recovery learns from the branch outcome what to do with a branch it
 * prepared, registered or not. Subclasses run it on each kind of transaction log.
 */
abstract class PreparedBranchesContract extends ApiFixture {

    @Test
    void branchesThatCamePreparedAreCommittedWithNoPrepareCall() {
        alpha.prepareBeforeRegistering();
        beta.prepareBeforeRegistering();
        String id = begin();
        alpha.doWork(id);
        beta.doWork(id);
        assertThat(branchStates(id)).containsExactly("PREPARED", "PREPARED");

        Answer committed = api.post("/api/v1/transactions/" + id + "/commit");

        assertThat(committed.status()).isEqualTo(200);
        assertThat(committed.text("status")).isEqualTo("COMMITTED");
        assertThat(alpha.committedRows(id)).isEqualTo(1);
        assertThat(beta.committedRows(id)).isEqualTo(1);
        assertThat(alpha.prepareCalls() + beta.prepareCalls()).isZero();
        assertThat(branchStates(id)).containsExactly("COMMITTED", "COMMITTED");
        assertThat(api.get("/api/v1/transactions/" + id).raw()).contains("prepared before it registered");
    }

    @Test
    void onlyTheBranchesNotYetPreparedAreAskedToPrepare() {
        alpha.prepareBeforeRegistering();
        String id = begin();
        alpha.doWork(id);
        beta.doWork(id);

        Answer committed = api.post("/api/v1/transactions/" + id + "/commit");

        assertThat(committed.text("status")).isEqualTo("COMMITTED");
        assertThat(alpha.prepareCalls()).isZero();
        assertThat(beta.prepareCalls()).isEqualTo(1);
        assertThat(alpha.committedRows(id) + beta.committedRows(id)).isEqualTo(2);
    }

    @Test
    void aNoVoteOfAnotherBranchRollsBackTheBranchThatCamePrepared() {
        alpha.prepareBeforeRegistering();
        String id = begin();
        alpha.doWork(id);
        beta.behave(Behaviour.VOTE_NO).doWork(id);

        Answer aborted = api.post("/api/v1/transactions/" + id + "/commit");

        assertThat(aborted.status()).isEqualTo(409);
        assertThat(alpha.rollbacks()).isEqualTo(1);
        assertThat(alpha.committedRows(id) + beta.committedRows(id)).isZero();
        assertThat(logState(id)).isEqualTo("ABORTED");
    }

    @Test
    void aPreparedBranchThatRegistersAfterTheCommitIsRefusedAndRolledBackByItsParticipant() {
        alpha.prepareBeforeRegistering();
        beta.prepareBeforeRegistering();
        String id = begin();
        alpha.doWork(id);
        api.post("/api/v1/transactions/" + id + "/commit");

        int late = beta.tryWork(id);

        assertThat(late).isEqualTo(409);
        assertThat(beta.committedRows(id)).isZero();
        assertThat(alpha.committedRows(id)).isEqualTo(1);
        assertThat(branchStates(id)).containsExactly("COMMITTED");
    }

    @Test
    void aRollbackReachesBranchesThatCamePrepared() {
        alpha.prepareBeforeRegistering();
        String id = begin();
        alpha.doWork(id);

        Answer rolledBack = api.post("/api/v1/transactions/" + id + "/rollback");

        assertThat(rolledBack.text("status")).isEqualTo("ABORTED");
        assertThat(alpha.rollbacks()).isEqualTo(1);
        assertThat(alpha.committedRows(id)).isZero();
    }

    @Test
    void recoveryLearnsWhetherABranchPreparedBeforeRegisteringMayCommit() {
        alpha.prepareBeforeRegistering();
        String id = begin();
        alpha.doWork(id);
        String registered = participantApi.get("/api/v1/transactions/" + id).body().path("branches").get(0).path("branchId").asString();
        String neverRegistered = UUID.randomUUID().toString();

        assertThat(outcome(id, neverRegistered)).isEqualTo("PENDING registered=false");
        assertThat(outcome(id, registered)).isEqualTo("PENDING registered=true");

        api.post("/api/v1/transactions/" + id + "/commit");

        assertThat(outcome(id, registered)).isEqualTo("COMMIT registered=true");
        assertThat(outcome(id, neverRegistered)).isEqualTo("ABORT registered=false");
        assertProblem(participantApi.get("/api/v1/transactions/no-such-id/branches/" + neverRegistered), 404, "transaction-not-found");
        String lostInACrash = "node1-" + TimeOrderedIds.next();
        assertThat(outcome(lostInACrash, neverRegistered)).as("too recent to have been pruned: never logged, presumed abort")
                .isEqualTo("ABORT registered=false");
        assertThat(api.get("/api/v1/transactions/" + id + "/branches/" + registered).status()).isEqualTo(403);
    }

    @Test
    void badPreparedRegistrationsGetAProblemDetailAndChangeNothing() {
        String id = begin();
        String path = "/api/v1/transactions/" + id + "/participants";
        String taken = UUID.randomUUID().toString();
        assertThat(participantApi.post(path, Map.of("name", "gamma", "url", "http://localhost:9/gamma", "branchId", taken,
                "prepared", true)).status()).isEqualTo(201);

        assertProblem(participantApi.post(path, Map.of("name", "x", "url", "http://localhost:9/x", "prepared", true)), 400,
                "invalid-request");
        assertProblem(participantApi.post(path, Map.of("name", "x", "url", "http://localhost:9/x", "branchId", "no spaces",
                "prepared", true)), 400, "invalid-request");
        assertProblem(participantApi.post(path, Map.of("name", "x", "url", "http://localhost:9/x", "branchId", "b".repeat(65),
                "prepared", true)), 400, "invalid-request");
        assertProblem(participantApi.post(path, Map.of("name", "x", "url", "http://localhost:9/x", "branchId", taken,
                "prepared", true)), 409, "branch-id-taken");
        assertProblem(participantApi.post(path, Map.of("name", "gamma", "url", "http://localhost:9/gamma",
                "branchId", UUID.randomUUID().toString(), "prepared", true)), 409, "illegal-state");

        assertProblem(participantApi.post(path, Map.of("name", "gamma", "url", "http://localhost:9/gamma")), 409, "illegal-state");

        assertThat(branchStates(id)).containsExactly("PREPARED");
        assertThat(participantApi.post(path, Map.of("name", "gamma", "url", "http://localhost:9/gamma", "branchId", taken,
                "prepared", true)).status()).as("the same registration again gets its branch").isEqualTo(200);
        api.post("/api/v1/transactions/" + id + "/rollback");
    }

    @Test
    void registrationsSentTogetherAreEachAnsweredAsIfTheyCameAlone() {
        String id = begin();
        String aborted = begin();
        api.post("/api/v1/transactions/" + aborted + "/rollback");
        String gamma = UUID.randomUUID().toString();
        String delta = UUID.randomUUID().toString();
        List<Map<String, Object>> registrations = List.of(
                prepared(id, "gamma", gamma),
                prepared(id, "delta", delta),
                prepared("node1-" + TimeOrderedIds.next(), "epsilon", UUID.randomUUID().toString()),
                prepared(aborted, "zeta", UUID.randomUUID().toString()),
                Map.of("transactionId", id, "name", "eta", "url", "not a url"));

        Answer batch = participantApi.post("/api/v1/registrations", Map.of("registrations", registrations));

        assertThat(batch.status()).as(batch.raw()).isEqualTo(200);
        JsonNode results = batch.body().path("results");
        assertThat(results).hasSize(5);
        assertThat(results.get(0).path("status").asInt()).isEqualTo(201);
        assertThat(results.get(0).path("registration").path("branchId").asString()).isEqualTo(gamma);
        assertThat(results.get(0).path("registration").path("status").asString()).isEqualTo("PREPARED");
        assertThat(results.get(1).path("status").asInt()).isEqualTo(201);
        assertThat(results.get(1).path("registration").path("branchId").asString()).isEqualTo(delta);
        assertBatchProblem(results.get(2), 404, "transaction-not-found");
        assertBatchProblem(results.get(3), 409, "illegal-state");
        assertBatchProblem(results.get(4), 400, "invalid-request");
        assertThat(branchStates(id)).containsExactly("PREPARED", "PREPARED");
        assertThat(branchStates(aborted)).isEmpty();

        Answer again = participantApi.post("/api/v1/registrations", Map.of("registrations", List.of(prepared(id, "gamma", gamma))));
        assertThat(again.body().path("results").get(0).path("status").asInt()).as("the same registration again").isEqualTo(200);
        assertThat(branchStates(id)).hasSize(2);
        api.post("/api/v1/transactions/" + id + "/rollback");
    }

    @Test
    void aBatchThatIsNotAListOfOneTo64RegistrationsIsRefusedWhole() {
        String id = begin();
        List<Map<String, Object>> tooMany = java.util.stream.IntStream.range(0, 65)
                .mapToObj(i -> prepared(id, "p" + i, UUID.randomUUID().toString())).toList();

        assertProblem(participantApi.post("/api/v1/registrations", Map.of("registrations", List.of())), 400, "invalid-request");
        assertProblem(participantApi.post("/api/v1/registrations", Map.of("registrations", tooMany)), 400, "invalid-request");
        assertProblem(participantApi.post("/api/v1/registrations", Map.of()), 400, "invalid-request");
        assertProblem(api.post("/api/v1/registrations", Map.of("registrations", List.of(prepared(id, "x", "y")))), 403, "forbidden");

        assertThat(branchStates(id)).isEmpty();
        api.post("/api/v1/transactions/" + id + "/rollback");
    }

    @Test
    void aCommitCarryingReceiptsCommitsTheirBranchesWithNoRegistrationOrPrepareCall() {
        String id = begin();
        String alphaReceipt = alpha.doWorkForReceipt(id);
        String betaReceipt = beta.doWorkForReceipt(id);
        assertThat(branchStates(id)).as("a branch with a receipt is unknown to the log until the commit").isEmpty();

        Answer committed = api.post("/api/v1/transactions/" + id + "/commit", Map.of("receipts", List.of(alphaReceipt, betaReceipt)));

        assertThat(committed.status()).as(committed.raw()).isEqualTo(200);
        assertThat(committed.text("status")).isEqualTo("COMMITTED");
        assertThat(alpha.committedRows(id) + beta.committedRows(id)).isEqualTo(2);
        assertThat(alpha.prepareCalls() + beta.prepareCalls()).isZero();
        assertThat(branchStates(id)).containsExactly("COMMITTED", "COMMITTED");
        assertThat(api.get("/api/v1/transactions/" + id).raw()).contains("by a receipt the client carried");
        List<String> history = history(id);
        assertThat(history).as("the branches' expected steps are named in the transaction's entries").hasSize(3);
        assertThat(history.get(0)).startsWith("null -> ACTIVE");
        assertThat(history.get(1)).isEqualTo("ACTIVE -> COMMITTING: every branch was prepared when it registered;"
                + " joined by receipt: alpha, beta");
        assertThat(history.get(2)).startsWith("COMMITTING -> COMMITTED: acknowledged by ").contains("alpha", "beta");
        Answer again = api.post("/api/v1/transactions/" + id + "/commit", Map.of("receipts", List.of(alphaReceipt, betaReceipt)));
        assertThat(again.status()).as("a retried commit with the same receipts").isEqualTo(200);
        assertThat(branchStates(id)).hasSize(2);
        assertThat(alpha.commits() + beta.commits()).isEqualTo(2);
    }

    @Test
    void receiptsAndRegisteredBranchesCommitTogether() {
        String id = begin();
        String alphaReceipt = alpha.doWorkForReceipt(id);
        beta.doWork(id);

        Answer committed = api.post("/api/v1/transactions/" + id + "/commit", Map.of("receipts", List.of(alphaReceipt)));

        assertThat(committed.text("status")).isEqualTo("COMMITTED");
        assertThat(alpha.prepareCalls()).isZero();
        assertThat(beta.prepareCalls()).isEqualTo(1);
        assertThat(alpha.committedRows(id) + beta.committedRows(id)).isEqualTo(2);
    }

    @Test
    void aReceiptThatIsForgedOrForAnotherTransactionIsRefusedAndChangesNothing() throws Exception {
        String id = begin();
        String other = begin();
        String genuine = alpha.doWorkForReceipt(id);
        String path = "/api/v1/transactions/" + id + "/commit";

        assertProblem(api.post(path, Map.of("receipts", List.of(beta.doWorkForReceipt(id, "a secret the coordinator does not hold")))),
                400, "invalid-receipt");
        assertProblem(api.post(path, Map.of("receipts", List.of(beta.doWorkForReceipt(other)))), 400, "invalid-receipt");
        assertProblem(api.post(path, Map.of("receipts", List.of("v1.not-a-receipt"))), 400, "invalid-receipt");
        assertProblem(api.post(path, Map.of("receipts", List.of(genuine.substring(0, genuine.length() - 2) + "xx"))), 400,
                "invalid-receipt");
        assertProblem(participantApi.post(path, Map.of("receipts", List.of(genuine))), 403, "forbidden");

        assertThat(logState(id)).isEqualTo("ACTIVE");
        assertThat(branchStates(id)).isEmpty();
        Answer rolledBack = api.post("/api/v1/transactions/" + id + "/rollback", Map.of("receipts", List.of(genuine)));
        assertThat(rolledBack.text("status")).as("a rollback's receipts are rolled back at once").isEqualTo("ABORTED");
        assertThat(alpha.rollbacks()).isEqualTo(1);
        assertThat(alpha.committedRows(id)).isZero();
        api.post("/api/v1/transactions/" + other + "/rollback");
        beta.rollBackHeldBranches();
    }

    @Test
    void aReceiptThatReachesTheCoordinatorAfterTheDecisionIsRefusedAndItsBranchRollsBack() throws Exception {
        String id = begin();
        String alphaReceipt = alpha.doWorkForReceipt(id);
        String betaReceipt = beta.doWorkForReceipt(id);
        api.post("/api/v1/transactions/" + id + "/commit", Map.of("receipts", List.of(alphaReceipt)));

        assertProblem(api.post("/api/v1/transactions/" + id + "/commit", Map.of("receipts", List.of(alphaReceipt, betaReceipt))),
                409, "receipt-after-decision");

        assertThat(branchStates(id)).containsExactly("COMMITTED");
        assertThat(alpha.committedRows(id)).isEqualTo(1);
        String betaBranch = receiptBranchId(betaReceipt);
        assertThat(outcome(id, betaBranch)).as("what beta's recovery hears").isEqualTo("ABORT registered=false");
        beta.rollBackHeldBranches();
    }

    @Test
    void aReceiptWhoseBranchCannotJoinAbortsTheCommit() throws Exception {
        String id = begin();
        String other = begin();
        String receipt = alpha.doWorkForReceipt(id);
        String branchId = receiptBranchId(receipt);
        participantApi.post("/api/v1/transactions/" + other + "/participants", Map.of("name", "gamma",
                "url", "http://localhost:9/gamma", "branchId", branchId, "prepared", true));

        Answer aborted = api.post("/api/v1/transactions/" + id + "/commit", Map.of("receipts", List.of(receipt)));

        assertProblem(aborted, 409, "transaction-aborted");
        assertThat(aborted.raw()).contains("could not join the transaction", "branch id is another branch's");
        assertThat(logState(id)).isEqualTo("ABORTED");
        assertThat(branchStates(id)).isEmpty();
        assertThat(outcome(id, branchId)).as("what alpha's recovery hears").isEqualTo("ABORT registered=false");
        alpha.rollBackHeldBranches();
        api.post("/api/v1/transactions/" + other + "/rollback");
    }

    @Test
    void twoReceiptsNamingOneBranchIdAbortTheCommitAndSayWhy() {
        String id = begin();
        String alphaReceipt = alpha.doWorkForReceipt(id);
        String sameId = beta.receiptNaming(id, receiptBranchId(alphaReceipt));

        Answer aborted = api.post("/api/v1/transactions/" + id + "/commit", Map.of("receipts", List.of(alphaReceipt, sameId)));

        assertProblem(aborted, 409, "transaction-aborted");
        assertThat(aborted.raw()).contains("could not join the transaction", "branch id is another branch's");
        assertThat(logState(id)).isEqualTo("ABORTED");
        assertThat(alpha.committedRows(id)).isZero();
        assertThat(alpha.rollbacks()).as("the branch that joined gets its rollback").isEqualTo(1);
    }

    private static String receiptBranchId(String receipt) {
        return new String(java.util.Base64.getUrlDecoder().decode(receipt.split("\\.")[1]),
                java.nio.charset.StandardCharsets.UTF_8).split("\n")[1];
    }

    private static Map<String, Object> prepared(String id, String name, String branchId) {
        return Map.of("transactionId", id, "name", name, "url", "http://localhost:9/" + name, "branchId", branchId,
                "prepared", true);
    }

    private static void assertBatchProblem(JsonNode result, int status, String type) {
        assertThat(result.path("status").asInt()).as(result.toString()).isEqualTo(status);
        assertThat(result.path("problem").path("type").asString()).isEqualTo("urn:verdict:problem:" + type);
        assertThat(result.path("problem").path("detail").asString()).isNotBlank();
        assertThat(result.has("registration")).isFalse();
    }

    private String outcome(String id, String branchId) {
        Answer answer = participantApi.get("/api/v1/transactions/" + id + "/branches/" + branchId);
        assertThat(answer.status()).as(answer.raw()).isEqualTo(200);
        return answer.text("outcome") + " registered=" + answer.body().path("registered").asBoolean();
    }
}
