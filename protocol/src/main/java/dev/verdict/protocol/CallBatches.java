package dev.verdict.protocol;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

/**
 * Group commit for calls to one peer: at most {@code maxInFlight} calls are out at once, and the requests that
 * queue up meanwhile go together in the next call. Alone, a request goes at once; under load, one exchange
 * carries many. Each request keeps its own answer: its result, or the exception it would have had alone. No
 * thread of its own: the caller whose call comes back hands the next batch to the first request waiting in it,
 * and that caller sends it.
 *
 * <p>A request waits in the queue at most {@code maxQueueWait}; then, if no batch has taken it, it goes alone,
 * past the limit. So one call that hangs (a lost connection, until its read timeout) holds the others up for
 * that long at most, not for its whole timeout.
 *
 * @param <T> a request
 * @param <R> its answer
 */
public final class CallBatches<T, R> {

    /** What one request came to: its answer, or the exception its caller gets. */
    public record Outcome<R>(@Nullable R value, @Nullable RuntimeException failure) {

        public static <R> Outcome<R> answered(R value) {
            return new Outcome<>(value, null);
        }

        public static <R> Outcome<R> failed(RuntimeException failure) {
            return new Outcome<>(null, failure);
        }
    }

    private final int maxInFlight;
    private final int maxBatch;
    private final Duration maxQueueWait;
    private final Function<T, R> alone;
    private final Function<List<T>, List<Outcome<R>>> together;
    private final ArrayDeque<Waiting<T, R>> queue = new ArrayDeque<>();
    private int inFlight;

    /**
     * @param alone sends one request, answering its result or throwing what its caller gets
     * @param together sends several, answering one outcome each in their order; throws if the call as a whole
     *        failed, and every request in it then gets that exception
     */
    public CallBatches(int maxInFlight, int maxBatch, Duration maxQueueWait, Function<T, R> alone,
            Function<List<T>, List<Outcome<R>>> together) {
        if (maxInFlight < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("at least one call in flight and one request per call, not " + maxInFlight
                    + " and " + maxBatch);
        }
        this.maxInFlight = maxInFlight;
        this.maxBatch = maxBatch;
        this.maxQueueWait = maxQueueWait;
        this.alone = alone;
        this.together = together;
    }

    /** Sends {@code request}, alone or with others, and answers its result or throws its failure. */
    public @Nullable R call(T request) {
        Waiting<T, R> mine = new Waiting<>(request);
        boolean goesNow;
        synchronized (this) {
            goesNow = inFlight < maxInFlight;
            if (goesNow) {
                inFlight++;
            } else {
                queue.add(mine);
            }
        }
        List<Waiting<T, R>> batch = goesNow ? List.of(mine) : awaitTurn(mine);
        if (batch != null) {
            send(batch);
        }
        return mine.answer();
    }

    /** How many requests wait for a call to come back. */
    public synchronized int queued() {
        return queue.size();
    }

    /** The batch this request is to send, or null once another caller's call has answered it. */
    private @Nullable List<Waiting<T, R>> awaitTurn(Waiting<T, R> mine) {
        try {
            return mine.turn.get(maxQueueWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            synchronized (this) {
                if (queue.remove(mine)) {
                    // still waiting: the calls out are slow, so this one goes alone (the slot returns when it ends
                    // with nothing queued)
                    inFlight++;
                    return List.of(mine);
                }
            }
            // a batch took it meanwhile: its answer comes with that batch
            return mine.turn.join();
        } catch (ExecutionException e) {
            throw new IllegalStateException("a request's turn never fails", e);
        }
    }

    private void send(List<Waiting<T, R>> batch) {
        try {
            if (batch.size() == 1) {
                Waiting<T, R> only = batch.getFirst();
                try {
                    only.outcome = Outcome.answered(alone.apply(only.request));
                } catch (RuntimeException e) {
                    only.outcome = Outcome.failed(e);
                }
            } else {
                List<Outcome<R>> outcomes;
                try {
                    outcomes = together.apply(batch.stream().map(waiting -> waiting.request).toList());
                    if (outcomes.size() != batch.size()) {
                        throw new IllegalStateException("the peer answered " + outcomes.size() + " of " + batch.size()
                                + " requests sent together");
                    }
                } catch (RuntimeException e) {
                    outcomes = batch.stream().map(waiting -> Outcome.<R>failed(e)).toList();
                }
                for (int i = 0; i < batch.size(); i++) {
                    batch.get(i).outcome = outcomes.get(i);
                }
            }
        } finally {
            // done (a no-op for the one whose turn it was), then the next batch to its first request
            batch.forEach(waiting -> waiting.turn.complete(null));
            List<Waiting<T, R>> next = new ArrayList<>();
            synchronized (this) {
                while (!queue.isEmpty() && next.size() < maxBatch) {
                    next.add(queue.poll());
                }
                if (next.isEmpty()) {
                    inFlight--;
                }
            }
            if (!next.isEmpty()) {
                next.getFirst().turn.complete(next);
            }
        }
    }

    /** A request waiting for its answer, or for its turn to send a batch (the batch it leads). */
    private static final class Waiting<T, R> {

        final T request;
        final CompletableFuture<@Nullable List<Waiting<T, R>>> turn = new CompletableFuture<>();
        @Nullable Outcome<R> outcome;

        Waiting(T request) {
            this.request = request;
        }

        @Nullable R answer() {
            Outcome<R> answered = outcome;
            if (answered == null) {
                throw new IllegalStateException("a request sent together with others got no outcome");
            }
            if (answered.failure() != null) {
                throw answered.failure();
            }
            return answered.value();
        }
    }
}
