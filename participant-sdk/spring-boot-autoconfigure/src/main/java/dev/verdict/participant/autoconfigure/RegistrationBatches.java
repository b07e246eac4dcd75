package dev.verdict.participant.autoconfigure;

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
 * Group commit for registrations: at most {@code maxInFlight} registration calls are out at once, and the
 * registrations that queue up meanwhile go together in the next call. Alone, a registration goes at once;
 * under load, one HTTP exchange carries many. Each registration keeps its own answer: its branch id, or the
 * exception it would have had alone. No thread of its own: the caller whose call comes back hands the next
 * batch to the first registration waiting in it, and that caller sends it.
 *
 * <p>A registration waits in the queue at most {@code maxQueueWait}; then, if no batch has taken it, it goes
 * alone, past the limit. So one call that hangs (a lost connection, until its read timeout) holds the others
 * up for that long at most, not for its whole timeout.
 */
final class RegistrationBatches<T> {

    /** What one registration came to: the branch id, or the exception its caller gets. */
    record Outcome(@Nullable String branchId, @Nullable RuntimeException failure) {

        static Outcome registered(String branchId) {
            return new Outcome(branchId, null);
        }

        static Outcome failed(RuntimeException failure) {
            return new Outcome(null, failure);
        }
    }

    private final int maxInFlight;
    private final int maxBatch;
    private final Duration maxQueueWait;
    private final Function<T, String> alone;
    private final Function<List<T>, List<Outcome>> together;
    private final ArrayDeque<Waiting<T>> queue = new ArrayDeque<>();
    private int inFlight;

    /**
     * @param alone sends one registration, answering its branch id or throwing what its caller gets
     * @param together sends several, answering one outcome each in their order; throws if the call as a whole
     *        failed, and every registration in it then gets that exception
     */
    RegistrationBatches(int maxInFlight, int maxBatch, Duration maxQueueWait, Function<T, String> alone,
            Function<List<T>, List<Outcome>> together) {
        this.maxInFlight = maxInFlight;
        this.maxBatch = maxBatch;
        this.maxQueueWait = maxQueueWait;
        this.alone = alone;
        this.together = together;
    }

    String register(T registration) {
        Waiting<T> mine = new Waiting<>(registration);
        boolean goesNow;
        synchronized (this) {
            goesNow = inFlight < maxInFlight;
            if (goesNow) {
                inFlight++;
            } else {
                queue.add(mine);
            }
        }
        List<Waiting<T>> batch = goesNow ? List.of(mine) : awaitTurn(mine);
        if (batch != null) {
            send(batch);
        }
        return mine.answer();
    }

    /** The batch this registration is to send, or null once another caller's call has answered it. */
    private @Nullable List<Waiting<T>> awaitTurn(Waiting<T> mine) {
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
            throw new IllegalStateException("a registration's turn never fails", e);
        }
    }

    /** How many registrations wait for a call to come back. */
    synchronized int queued() {
        return queue.size();
    }

    private void send(List<Waiting<T>> batch) {
        try {
            if (batch.size() == 1) {
                Waiting<T> only = batch.getFirst();
                try {
                    only.outcome = Outcome.registered(alone.apply(only.registration));
                } catch (RuntimeException e) {
                    only.outcome = Outcome.failed(e);
                }
            } else {
                List<Outcome> outcomes;
                try {
                    outcomes = together.apply(batch.stream().map(waiting -> waiting.registration).toList());
                    if (outcomes.size() != batch.size()) {
                        throw new IllegalStateException("the coordinator answered " + outcomes.size() + " of " + batch.size()
                                + " registrations sent together");
                    }
                } catch (RuntimeException e) {
                    outcomes = batch.stream().map(waiting -> Outcome.failed(e)).toList();
                }
                for (int i = 0; i < batch.size(); i++) {
                    batch.get(i).outcome = outcomes.get(i);
                }
            }
        } finally {
            // done (a no-op for the one whose turn it was), then the next batch to its first registration
            batch.forEach(waiting -> waiting.turn.complete(null));
            List<Waiting<T>> next = new ArrayList<>();
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

    /** A registration waiting for its answer, or for its turn to send a batch (the batch it leads). */
    private static final class Waiting<T> {

        final T registration;
        final CompletableFuture<@Nullable List<Waiting<T>>> turn = new CompletableFuture<>();
        @Nullable Outcome outcome;

        Waiting(T registration) {
            this.registration = registration;
        }

        String answer() {
            Outcome answered = outcome;
            if (answered == null) {
                throw new IllegalStateException("a registration sent together with others got no outcome");
            }
            if (answered.failure() != null) {
                throw answered.failure();
            }
            return answered.branchId();
        }
    }
}
