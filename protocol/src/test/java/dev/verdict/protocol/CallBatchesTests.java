package dev.verdict.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;


/**
 * Requests go alone when nothing is out, and together when they queued behind a call that is out; each
 * gets its own answer, a call that fails as a whole fails every request it carried, and one that hangs
 * holds the others up only for the longest wait in the queue. Calls of "t1" and of ids starting with "slow"
 * stay out until {@link #firstCallMayReturn}.
 */
class CallBatchesTests {

    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private static final Duration LONG_WAIT = Duration.ofMinutes(1);

    private final CountDownLatch firstCallMayReturn = new CountDownLatch(1);
    private final List<List<String>> calls = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        firstCallMayReturn.countDown();
        threads.close();
    }

    @Test
    void aRequestAloneGoesAtOnceByItself() {
        firstCallMayReturn.countDown();
        CallBatches<String, String> batches = batches(1, 64, null, LONG_WAIT);

        assertThat(batches.call("t1")).isEqualTo("branch-of-t1");
        assertThat(batches.call("t2")).isEqualTo("branch-of-t2");

        assertThat(calls).containsExactly(List.of("t1"), List.of("t2"));
    }

    @Test
    void requestsThatQueueBehindACallGoTogetherAndEachGetsItsOwnAnswer() throws Exception {
        CallBatches<String, String> batches = batches(1, 64, null, LONG_WAIT);
        CompletableFuture<String> first = firstCallOut(batches);
        List<CompletableFuture<String>> queued = queuedBehindIt(batches, "t2", "refused-t3", "t4");

        firstCallMayReturn.countDown();

        assertThat(first.get()).isEqualTo("branch-of-t1");
        assertThat(queued.get(0).get()).isEqualTo("branch-of-t2");
        assertThatThrownBy(queued.get(1)::join).hasCauseInstanceOf(IllegalArgumentException.class);
        assertThat(queued.get(2).get()).isEqualTo("branch-of-t4");
        assertThat(calls).hasSize(2);
        assertThat(calls.get(1)).containsExactlyInAnyOrder("t2", "refused-t3", "t4");
        assertThat(batches.queued()).isZero();
    }

    @Test
    void aBatchCarriesAtMostMaxBatchAndTheRestGoInTheNext() throws Exception {
        CallBatches<String, String> batches = batches(1, 2, null, LONG_WAIT);
        CompletableFuture<String> first = firstCallOut(batches);
        List<CompletableFuture<String>> queued = queuedBehindIt(batches, "t2", "t3", "t4", "t5", "t6");

        firstCallMayReturn.countDown();

        first.get();
        for (CompletableFuture<String> request : queued) {
            assertThat(request.get()).startsWith("branch-of-");
        }
        assertThat(calls).hasSize(4);
        assertThat(calls.subList(1, 4)).allSatisfy(call -> assertThat(call.size()).isLessThanOrEqualTo(2));
        assertThat(calls.stream().mapToInt(List::size).sum()).isEqualTo(6);
    }

    @Test
    void aCallThatFailsAsAWholeFailsEveryRequestItCarried() throws Exception {
        IllegalStateException noAnswer = new IllegalStateException("read timed out");
        CallBatches<String, String> batches = batches(1, 64, noAnswer, LONG_WAIT);
        CompletableFuture<String> first = firstCallOut(batches);
        List<CompletableFuture<String>> queued = queuedBehindIt(batches, "t2", "t3");

        firstCallMayReturn.countDown();

        assertThat(first.get()).isEqualTo("branch-of-t1");
        assertThatThrownBy(queued.get(0)::join).hasCause(noAnswer);
        assertThatThrownBy(queued.get(1)::join).hasCause(noAnswer);
        assertThat(batches.call("t4")).as("the next one alone goes at once").isEqualTo("branch-of-t4");
    }

    @Test
    void upToMaxInFlightCallsAreOutAtOnceBeforeAnyWaits() {
        CallBatches<String, String> batches = batches(2, 64, null, LONG_WAIT);
        callLater(batches, "t1");
        callLater(batches, "slow-t2");
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() == 2);
        callLater(batches, "t3");
        await().atMost(Duration.ofSeconds(10)).until(() -> batches.queued() == 1);

        firstCallMayReturn.countDown();

        await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() == 3);
        assertThat(calls.get(2)).containsExactly("t3");
    }

    @Test
    void aRequestQueuedBehindACallThatHangsGoesAloneAfterTheLongestWait() throws Exception {
        CallBatches<String, String> batches = batches(1, 64, null, Duration.ofMillis(100));
        CompletableFuture<String> hanging = firstCallOut(batches);

        assertThat(callLater(batches, "t2").get()).isEqualTo("branch-of-t2");

        assertThat(calls).containsExactly(List.of("t1"), List.of("t2"));
        assertThat(hanging).isNotDone();
        firstCallMayReturn.countDown();
        assertThat(hanging.get()).isEqualTo("branch-of-t1");
        assertThat(batches.call("t3")).isEqualTo("branch-of-t3");
    }

    /** Calls of "t1" and "slow..." wait for {@link #firstCallMayReturn}; a batch fails whole with {@code batchFailure}, if given. */
    private CallBatches<String, String> batches(int maxInFlight, int maxBatch, IllegalStateException batchFailure,
            Duration maxQueueWait) {
        return new CallBatches<>(maxInFlight, maxBatch, maxQueueWait, id -> {
            calls.add(List.of(id));
            if (id.equals("t1") || id.startsWith("slow")) {
                awaitFirstCall();
            }
            return answer(id);
        }, ids -> {
            calls.add(List.copyOf(ids));
            if (batchFailure != null) {
                throw batchFailure;
            }
            return ids.stream().map(id -> id.startsWith("refused")
                    ? CallBatches.Outcome.<String>failed(new IllegalArgumentException("no"))
                    : CallBatches.Outcome.answered(answer(id))).toList();
        });
    }

    private void awaitFirstCall() {
        try {
            firstCallMayReturn.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String answer(String id) {
        if (id.startsWith("refused")) {
            throw new IllegalArgumentException("no");
        }
        return "branch-of-" + id;
    }

    /** Calls "t1", whose call stays out until {@link #firstCallMayReturn}. */
    private CompletableFuture<String> firstCallOut(CallBatches<String, String> batches) {
        CompletableFuture<String> first = callLater(batches, "t1");
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.size() == 1);
        return first;
    }

    /** Calls {@code ids} while the first call is out, and waits until every one of them is queued. */
    private List<CompletableFuture<String>> queuedBehindIt(CallBatches<String, String> batches, String... ids) {
        List<CompletableFuture<String>> queued = new ArrayList<>();
        for (String id : ids) {
            queued.add(callLater(batches, id));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> batches.queued() == ids.length);
        return queued;
    }

    private CompletableFuture<String> callLater(CallBatches<String, String> batches, String id) {
        return CompletableFuture.supplyAsync(() -> batches.call(id), threads);
    }
}
