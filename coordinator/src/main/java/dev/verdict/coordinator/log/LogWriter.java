package dev.verdict.coordinator.log;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Group commit: every write to the log goes through one writer thread, which runs the writes that are
 * waiting together in one database transaction and commits them at once. Under load, concurrent
 * transactions share a commit, and a forced one ({@link Durability#FORCED}) shares its sync to disk with
 * everything in its batch; alone, a write waits for no one. On an H2 log with a {@link DecisionFile}, a forced
 * batch whose forced writes are all commit decisions ({@link #decide}) forces only those decisions, to that file;
 * any other forced write (the start of phase 1) forces the log's own file, as every forced write does otherwise.
 *
 * <p>A write is a function of the connection that must not throw for an expected outcome (it answers a
 * result instead): one that throws rolls its whole batch back, and the others are then run again one by
 * one, so that only the failing write fails.
 */
@Component
class LogWriter implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(LogWriter.class);
    private static final int MAX_BATCH = 256;

    /** How a write must reach the log before its caller goes on. */
    enum Durability {
        /** Committed, and synced to disk before the caller hears of it: a commit decision. */
        FORCED,
        /**
         * Committed and visible at once; it reaches the disk a moment later (on H2, within its WRITE_DELAY), so
         * a crash within that moment can lose it, and presumed abort makes up for it.
         */
        LAZY
    }

    /**
     * A write: with {@code decided}, a forced one that names the transaction it decided to commit (null if it
     * lost), whose decision can then be forced to the {@link DecisionFile} instead of the log's own file.
     */
    private record Request<T>(Durability durability, Function<JdbcClient, T> work,
            @Nullable Function<T, @Nullable String> decided, CompletableFuture<T> result) {

        @Nullable String decidedIn(Object answer) {
            @SuppressWarnings("unchecked")
            T typed = (T) answer;
            return decided == null ? null : decided.apply(typed);
        }

        void complete(Object value) {
            @SuppressWarnings("unchecked")
            T typed = (T) value;
            result.complete(typed);
        }
    }

    private final BlockingQueue<Request<?>> queue = new LinkedBlockingQueue<>();
    private final TransactionTemplate transactions;
    private final JdbcClient jdbc;
    private final LogDialect dialect;
    private final DecisionFile decisionFile;
    private final Timer forcedCommits;
    private final Timer lazyCommits;
    private final DistributionSummary batchSizes;
    private volatile boolean running;
    private Thread writer;

    LogWriter(PlatformTransactionManager transactionManager, JdbcClient jdbc, LogDialect dialect, DecisionFile decisionFile,
            MeterRegistry meters) {
        this.transactions = new TransactionTemplate(transactionManager);
        this.jdbc = jdbc;
        this.dialect = dialect;
        this.decisionFile = decisionFile;
        this.forcedCommits = commitTimer("forced", meters);
        this.lazyCommits = commitTimer("lazy", meters);
        this.batchSizes = DistributionSummary.builder("verdict.log.batch.size")
                .description("writes that shared one group commit").register(meters);
    }

    /** Forced and lazy commits apart: a forced one waits for the disk, and its time is the one on the caller's path. */
    private static Timer commitTimer(String durability, MeterRegistry meters) {
        return Timer.builder("verdict.log.commit").description("one group commit of the log, sync included")
                .tag("durability", durability).publishPercentileHistogram().register(meters);
    }

    /** Runs {@code work} in the next group commit and answers its result once it is as durable as asked. */
    <T> T write(Durability durability, Function<JdbcClient, T> work) {
        return joined(submit(durability, work));
    }

    /**
     * Queues {@code work} for the next group commit and answers at once, with what completes once it is as
     * durable as asked. Writes complete in the order they were queued.
     */
    <T> CompletableFuture<T> submit(Durability durability, Function<JdbcClient, T> work) {
        return submit(durability, work, null);
    }

    /**
     * A commit decision: forced, as {@link #write} with {@link Durability#FORCED}; {@code decided} names the
     * transaction whose commit the answer logged, or null if it logged none.
     */
    <T> T decide(Function<JdbcClient, T> work, Function<T, @Nullable String> decided) {
        return joined(submit(Durability.FORCED, work, decided));
    }

    /** The result of a write once it is as durable as asked, or the exception that failed it, unwrapped. */
    private static <T> T joined(CompletableFuture<T> write) {
        try {
            return write.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    private <T> CompletableFuture<T> submit(Durability durability, Function<JdbcClient, T> work,
            @Nullable Function<T, @Nullable String> decided) {
        if (!running) {
            throw new IllegalStateException("the log writer is not running (the coordinator is starting or stopping)");
        }
        Request<T> request = new Request<>(durability, work, decided, new CompletableFuture<>());
        queue.add(request);
        return request.result();
    }

    private void run() {
        List<Request<?>> batch = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            try {
                Request<?> first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | Error e) {
                log.error("The log writer failed a batch of {} writes", batch.size(), e);
                batch.forEach(request -> request.result().completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
    }

    private void commit(List<Request<?>> batch) {
        boolean forced = batch.stream().anyMatch(request -> request.durability() == Durability.FORCED);
        long started = System.nanoTime();
        List<Object> results;
        ToForce toForce = new ToForce(!decisionFile.isOn());
        try {
            results = transactions.execute(status -> {
                dialect.startBatch(jdbc, forced);
                List<Object> answers = new ArrayList<>(batch.size());
                for (Request<?> request : batch) {
                    Object answer = request.work().apply(jdbc);
                    answers.add(answer);
                    collectDecision(request, answer, toForce);
                }
                return answers;
            });
        } catch (RuntimeException e) {
            if (batch.size() == 1) {
                batch.getFirst().result().completeExceptionally(e);
                return;
            }
            // One write failed and took the batch with it: run each alone, so that only that one fails.
            for (Request<?> request : batch) {
                commit(List.of(request));
            }
            return;
        }
        if (forced && !synced(batch, toForce)) {
            return;
        }
        (forced ? forcedCommits : lazyCommits).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        batchSizes.record(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).complete(results.get(i));
        }
    }

    /** What a forced batch forces to disk: the log's own file, or only the decisions it took, to the decision file. */
    private static final class ToForce {

        private boolean logFile;
        private final List<Decision> decisions = new ArrayList<>();

        ToForce(boolean logFile) {
            this.logFile = logFile;
        }
    }

    /**
     * Reads what a forced write decided, in its own database transaction, for the decision file. A forced write
     * that names no decision (the start of phase 1) needs the log's own file forced, and its batch does that.
     */
    private void collectDecision(Request<?> request, Object answer, ToForce toForce) {
        if (toForce.logFile || request.durability() != Durability.FORCED) {
            return;
        }
        if (request.decided() == null) {
            toForce.logFile = true;
            return;
        }
        String id = request.decidedIn(answer);
        if (id != null) {
            toForce.decisions.add(Decision.read(jdbc, id));
        }
    }

    /**
     * Forces a committed batch to disk. If that fails, its writes are in the log but not known to be on the
     * disk: each caller fails (none goes on as if its write were durable), and none is run again, since each
     * already happened. A commit decision that fails so is never acted on here; recovery finishes it.
     */
    private boolean synced(List<Request<?>> batch, ToForce toForce) {
        try {
            if (toForce.logFile) {
                dialect.syncAfterCommit(jdbc);
            } else if (!toForce.decisions.isEmpty()) {
                decisionFile.force(toForce.decisions);
            }
            return true;
        } catch (RuntimeException e) {
            log.error("The log committed a batch of {} writes but could not force it to disk", batch.size(), e);
            batch.forEach(request -> request.result().completeExceptionally(e));
            return false;
        }
    }

    @Override
    public void start() {
        running = true;
        writer = Thread.ofPlatform().name("verdict-log-writer").daemon(true).start(this::run);
    }

    @Override
    public void stop() {
        running = false;
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Starts before, and stops after, everything that writes to the log (the web server included). */
    @Override
    public int getPhase() {
        return Integer.MIN_VALUE + 1000;
    }
}
