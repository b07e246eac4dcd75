package dev.verdict.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.verdict.coordinator.CoordinatorApplication;
import dev.verdict.protocol.BranchRequest;
import dev.verdict.protocol.CallSignature;
import dev.verdict.protocol.PhaseTwoBatch;
import dev.verdict.protocol.PhaseTwoBatch.Answer;
import dev.verdict.samples.bank.BankApplication;
import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.EmbeddedPostgresServer;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.Ports;
import dev.verdict.testsupport.TestCredentials;
import tools.jackson.databind.json.JsonMapper;

/**
 * The SDK on PostgreSQL takes the coordinator's phase-2 calls for several branches in one signed request: each
 * branch is carried out as its own call would be and answered with that call's status, and every answer to a
 * signed call offers such batches. The branches are debits in bank A, prepared as each debit ends; the test
 * makes the coordinator's phase-2 calls itself, signed with the secret the two share.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PhaseTwoBatchIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long OPENING_BALANCE = 100_000L;
    private static final String OFFER = Integer.toString(PhaseTwoBatch.MAX_BRANCHES);

    private ConfigurableApplicationContext coordinator;
    private ConfigurableApplicationContext bank;
    private String coordinatorUrl;
    private String database;
    private Http client;
    private Http bankApi;
    private Http participant;

    @BeforeAll
    void startCoordinator() throws IOException {
        coordinator = new SpringApplicationBuilder(CoordinatorApplication.class).run(TestCredentials.with(List.of("--server.port=0",
                "--verdict.coordinator.data-dir=" + Files.createTempDirectory("batch-log").toAbsolutePath()),
                TestCredentials.coordinatorArguments()).toArray(String[]::new));
        coordinatorUrl = "http://localhost:" + coordinator.getEnvironment().getProperty("local.server.port");
        new Http(coordinatorUrl).awaitStatus("/actuator/health/readiness", 200);
        client = TestCredentials.asClient(new Http(coordinatorUrl));
    }

    /** Bank A on a database of its own, so that a branch a failed test left prepared holds up no other test. */
    @BeforeEach
    void startBank() {
        database = EmbeddedPostgresServer.newDatabase("batch_bank");
        int port = Ports.free();
        bank = new SpringApplicationBuilder(BankApplication.class).run(TestCredentials.with(List.of("--spring.config.name=bank",
                "--spring.profiles.active=a", "--server.port=" + port, "--spring.datasource.url=" + database,
                "--spring.datasource.username=postgres", "--spring.datasource.password=postgres",
                "--verdict.coordinator-url=" + coordinatorUrl, "--verdict.participant.prepare-at-request-end=true"),
                TestCredentials.participantArguments()).toArray(String[]::new));
        bankApi = new Http("http://localhost:" + port);
        participant = new Http("http://localhost:" + port);
    }

    @AfterEach
    void stopBank() {
        if (bank != null) {
            bank.close();
        }
    }

    @AfterAll
    void stopCoordinator() {
        if (coordinator != null) {
            coordinator.close();
        }
    }

    @Test
    void aCommitBatchCommitsEveryPreparedBranchAndAnswersTheSameWhenRepeated() {
        BranchRequest first = preparedDebit(1, 100);
        BranchRequest second = preparedDebit(2, 200);

        Http.Answer answer = signed("commit-batch", batch(first, second));

        assertThat(answer.status()).as(answer.raw()).isEqualTo(200);
        assertThat(answer.headers().get(PhaseTwoBatch.HEADER)).containsExactly(OFFER);
        assertThat(answers(answer)).containsExactly(acknowledged(first), acknowledged(second));
        assertThat(prepared()).isEmpty();
        assertThat(balance(1)).isEqualTo(OPENING_BALANCE - 100);
        assertThat(balance(2)).isEqualTo(OPENING_BALANCE - 200);

        Http.Answer again = signed("commit-batch", batch(first, second));
        assertThat(answers(again)).as("a repeated batch, like a repeated commit, is acknowledged")
                .containsExactly(acknowledged(first), acknowledged(second));
        assertThat(balance(1)).isEqualTo(OPENING_BALANCE - 100);
        assertThat(balance(2)).isEqualTo(OPENING_BALANCE - 200);
    }

    @Test
    void aBranchThisParticipantDoesNotKnowIsAnswered404AndTheOthersAreStillCommitted() {
        BranchRequest unknown = new BranchRequest("node1-never-seen-here", "no-such-branch");
        BranchRequest known = preparedDebit(1, 300);

        List<Answer> answers = answers(signed("commit-batch", batch(unknown, known)));

        assertThat(answers).hasSize(2);
        assertThat(answers.getFirst().status()).isEqualTo(404);
        assertThat(answers.getFirst().type()).isEqualTo("urn:verdict:problem:unknown-branch");
        assertThat(answers.getFirst().detail()).isNotBlank();
        assertThat(answers.get(1)).isEqualTo(acknowledged(known));
        assertThat(prepared()).isEmpty();
        assertThat(balance(1)).isEqualTo(OPENING_BALANCE - 300);
    }

    @Test
    void aRollbackBatchRollsBackEveryPreparedBranch() {
        BranchRequest first = preparedDebit(1, 400);
        BranchRequest second = preparedDebit(2, 500);

        List<Answer> answers = answers(signed("rollback-batch", batch(first, second)));

        assertThat(answers).containsExactly(acknowledged(first), acknowledged(second));
        assertThat(prepared()).isEmpty();
        assertThat(balance(1)).isEqualTo(OPENING_BALANCE);
        assertThat(balance(2)).isEqualTo(OPENING_BALANCE);
    }

    @Test
    void unsignedAndInvalidBatchesAreRefusedBeforeAnyBranchIsTouched() {
        BranchRequest branch = preparedDebit(1, 150);
        byte[] body = batch(branch);

        Http.Answer unsigned = participant.postRaw("/verdict/participant/commit-batch", new String(body, StandardCharsets.UTF_8));
        assertThat(unsigned.status()).as(unsigned.raw()).isEqualTo(401);
        assertThat(unsigned.text("type")).isEqualTo("urn:verdict:problem:bad-signature");
        assertThat(unsigned.headers()).as("a stranger is not offered batches").doesNotContainKey(PhaseTwoBatch.HEADER);

        BranchRequest[] tooMany = IntStream.rangeClosed(0, PhaseTwoBatch.MAX_BRANCHES).mapToObj(i -> branch).toArray(BranchRequest[]::new);
        Map<String, byte[]> invalid = Map.of(
                "not JSON", "commit them all".getBytes(StandardCharsets.UTF_8),
                "a single call's body", ("{\"transactionId\":\"" + branch.transactionId() + "\",\"branchId\":\""
                        + branch.branchId() + "\"}").getBytes(StandardCharsets.UTF_8),
                "no branches", batch(),
                "a branch without its branchId", batch(branch, new BranchRequest(branch.transactionId(), null)),
                "more than " + PhaseTwoBatch.MAX_BRANCHES + " branches", batch(tooMany));
        invalid.forEach((what, invalidBody) -> {
            Http.Answer answer = signed("commit-batch", invalidBody);
            assertThat(answer.status()).as(what + ": " + answer.raw()).isEqualTo(400);
            assertThat(answer.contentType()).as(what).isEqualTo("application/problem+json");
            assertThat(answer.text("type")).as(what).isEqualTo("urn:verdict:problem:invalid-request");
            assertThat(answer.headers().get(PhaseTwoBatch.HEADER)).as(what).containsExactly(OFFER);
        });
        assertThat(signed("commit-batch", batch(tooMany)).text("detail")).contains("at most " + PhaseTwoBatch.MAX_BRANCHES);

        assertThat(prepared()).as("the branch is still prepared, untouched").hasSize(1);
        assertThat(balance(1)).isEqualTo(OPENING_BALANCE);
    }

    @Test
    void everyAnswerOfTheSingleCallsOffersBatchesButTheRefusalOfAnUnsignedOne() {
        BranchRequest branch = preparedDebit(1, 50);

        Map<String, Http.Answer> answers = Map.of(
                "prepare", signed("prepare", single(branch)),
                "commit", signed("commit", single(branch)),
                "rollback of the committed branch", signed("rollback", single(branch)),
                "commit of an unknown branch", signed("commit", single(new BranchRequest("node1-never-seen-here", "no-such-branch"))));

        assertThat(answers.get("prepare").text("vote")).isEqualTo("PREPARED");
        assertThat(answers.get("commit").status()).isEqualTo(200);
        assertThat(answers.get("rollback of the committed branch").status()).isEqualTo(409);
        assertThat(answers.get("commit of an unknown branch").status()).isEqualTo(404);
        answers.forEach((what, answer) -> assertThat(answer.headers().get(PhaseTwoBatch.HEADER)).as(what).containsExactly(OFFER));
        Http.Answer unsigned = participant.postRaw("/verdict/participant/commit", new String(single(branch), StandardCharsets.UTF_8));
        assertThat(unsigned.status()).isEqualTo(401);
        assertThat(unsigned.headers()).doesNotContainKey(PhaseTwoBatch.HEADER);
    }

    /** A debit in its own transaction, which bank A prepares as the request ends: the branch, as the coordinator names it. */
    private BranchRequest preparedDebit(long account, long cents) {
        String id = client.post("/api/v1/transactions", Map.of("timeoutSeconds", 600)).text("id");
        Http.Answer debit = bankApi.withHeader("Verdict-Transaction", id).post("/accounts/" + account + "/debit", Map.of("cents", cents));
        assertThat(debit.status()).as(debit.raw()).isEqualTo(200);
        String branchId = client.get("/api/v1/transactions/" + id).body().path("branches").get(0).path("branchId").asString();
        return new BranchRequest(id, branchId);
    }

    /** A call signed as the coordinator signs it, with the shared secret and a fresh nonce. */
    private Http.Answer signed(String action, byte[] body) {
        String path = "/verdict/participant/" + action;
        long now = System.currentTimeMillis() / 1000;
        String nonce = UUID.randomUUID().toString();
        return participant.withHeader(CallSignature.TIMESTAMP, Long.toString(now)).withHeader(CallSignature.NONCE, nonce)
                .withHeader(CallSignature.SIGNATURE, CallSignature.sign(TestCredentials.SIGNING_SECRET, "POST", path, now, nonce, body))
                .postRaw(path, new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] batch(BranchRequest... branches) {
        return JSON.writeValueAsBytes(new PhaseTwoBatch(List.of(branches)));
    }

    private static byte[] single(BranchRequest branch) {
        return JSON.writeValueAsBytes(branch);
    }

    private static List<Answer> answers(Http.Answer answer) {
        assertThat(answer.status()).as(answer.raw()).isEqualTo(200);
        return JSON.readValue(answer.raw(), PhaseTwoBatch.Answers.class).answers();
    }

    private static Answer acknowledged(BranchRequest branch) {
        return new Answer(branch.transactionId(), branch.branchId(), 200, null, null);
    }

    private List<String> prepared() {
        return Databases.preparedTransactions(database, "postgres", "postgres");
    }

    private long balance(long account) {
        return Databases.queryLong(database, "postgres", "postgres", "SELECT balance FROM account WHERE id = " + account);
    }
}
