package dev.verdict.coordinator.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import dev.verdict.testsupport.Http.Answer;
import dev.verdict.testsupport.ProtocolParticipant.Behaviour;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * A participant that offers phase-2 calls sent together gets the commits that queue up behind the one out to
 * it in one call, and each branch in it keeps its own answer: acknowledged, or failed as its own call would
 * have failed, and then retried alone and left to recovery. Participants that never offered batches get
 * every call alone (the rest of the suite).
 */
@TestPropertySource(properties = "verdict.coordinator.phase-two-queue-wait=30s")
class PhaseTwoBatchesIntegrationTests extends ApiFixture {

    @DynamicPropertySource
    static void log(DynamicPropertyRegistry registry) throws IOException {
        String directory = Files.createTempDirectory("h2-log").toAbsolutePath().toString();
        registry.add("verdict.coordinator.data-dir", () -> directory);
    }

    @Autowired
    MeterRegistry meters;

    @Test
    void commitsThatQueueBehindTheOneOutGoTogetherInOneCall() {
        alpha.offerBatches(100);
        String first = begin();
        assertThat(commit(first, alpha.doWorkForReceipt(first)).text("status")).isEqualTo("COMMITTED");
        assertThat(alpha.batchSizes()).as("alone, a call goes at once, by itself").isEmpty();

        List<String> ids = IntStream.range(0, 4).mapToObj(i -> begin()).toList();
        List<CompletableFuture<Answer>> answers = commitsQueuedBehindOneHeld(ids);
        alpha.releaseCommits();
        CompletableFuture<Answer> out = answers.getFirst();
        List<CompletableFuture<Answer>> queued = answers.subList(1, 4);

        assertThat(out.join().text("status")).isEqualTo("COMMITTED");
        queued.forEach(answer -> assertThat(answer.join().text("status")).isEqualTo("COMMITTED"));
        assertThat(alpha.batchSizes()).as("the three that queued went in one call").containsExactly(3);
        for (String id : ids) {
            assertThat(alpha.committedRows(id)).isEqualTo(1);
            assertThat(logState(id)).isEqualTo("COMMITTED");
            assertThat(branchStates(id)).containsExactly("COMMITTED");
        }
        assertThat(meters.get("verdict.phase2.queued").gauge().value()).isZero();
    }

    @Test
    void aBranchThatItsBatchDidNotAcknowledgeFailsAsItsOwnCallWouldAndIsFinishedByRecovery() {
        alpha.offerBatches(100);
        String first = begin();
        commit(first, alpha.doWorkForReceipt(first));

        List<String> ids = IntStream.range(0, 3).mapToObj(i -> begin()).toList();
        List<CompletableFuture<Answer>> answers = commitsQueuedBehindOneHeld(ids);
        alpha.behave(Behaviour.LOSE_OUTCOME);
        alpha.releaseCommits();
        CompletableFuture<Answer> out = answers.getFirst();
        List<CompletableFuture<Answer>> queued = answers.subList(1, 3);

        assertThat(out.join().text("status")).isEqualTo("COMMITTING");
        queued.forEach(answer -> assertThat(answer.join().text("status")).as("decided, not yet acknowledged").isEqualTo("COMMITTING"));
        assertThat(alpha.batchSizes()).containsExactly(2);
        for (String id : ids.subList(1, 3)) {
            assertThat(new JdbcTemplate(log).queryForObject("SELECT last_error FROM branch WHERE transaction_id = ?", String.class, id))
                    .as("the branch's own answer in the batch, then its retries alone")
                    .startsWith("HTTP 404: no record of branch");
        }

        alpha.behave(Behaviour.VOTE_YES);
        for (String id : ids) {
            await().atMost(Duration.ofSeconds(30)).until(() -> logState(id).equals("COMMITTED"));
            assertThat(alpha.committedRows(id)).isEqualTo(1);
        }
    }

    /**
     * Commits {@code ids}, each with alpha's receipt, while alpha holds its commits: the first commit's call goes
     * out and is held, and the others' calls queue behind it in the coordinator.
     */
    private List<CompletableFuture<Answer>> commitsQueuedBehindOneHeld(List<String> ids) {
        List<String> receipts = ids.stream().map(alpha::doWorkForReceipt).toList();
        alpha.holdCommits();
        CompletableFuture<Answer> out = CompletableFuture.supplyAsync(() -> commit(ids.get(0), receipts.get(0)));
        await().atMost(Duration.ofSeconds(10)).until(() -> logState(ids.get(0)).equals("COMMITTING"));
        List<CompletableFuture<Answer>> answers = new ArrayList<>(List.of(out));
        for (int i = 1; i < ids.size(); i++) {
            String id = ids.get(i);
            String receipt = receipts.get(i);
            answers.add(CompletableFuture.supplyAsync(() -> commit(id, receipt)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> meters.get("verdict.phase2.queued").gauge().value() == ids.size() - 1);
        return answers;
    }

    /** The client's commit; 200 once committed everywhere, 202 while a branch has not acknowledged. */
    private Answer commit(String id, String receipt) {
        Answer answer = api.post("/api/v1/transactions/" + id + "/commit", Map.of("receipts", List.of(receipt)));
        assertThat(answer.status()).as(answer.raw()).isEqualTo(answer.text("status").equals("COMMITTED") ? 200 : 202);
        return answer;
    }
}
