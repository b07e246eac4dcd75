package dev.verdict.coordinator.recovery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.verdict.coordinator.config.CoordinatorProperties;
import dev.verdict.coordinator.transaction.TransactionDriver;
import dev.verdict.coordinator.transaction.TransactionRepository;
import dev.verdict.coordinator.transaction.TransactionState;

/**
 * Finishes what nobody is driving: once {@link StartupRecovery} is done, and then every
 * {@code recovery-interval}, it aborts active transactions past their timeout, aborts transactions left
 * without a decision (presumed abort) and re-runs phase 2 for decided ones. A transaction is taken only when its lease has run out, so
 * several coordinators can share one log.
 */
@Component
class Recovery {

    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    private final TransactionRepository transactions;
    private final TransactionDriver driver;
    private final CoordinatorProperties properties;
    private final Clock clock;
    private final ExecutorService participantCalls;
    private final StartupRecovery startup;
    private volatile Instant lastPassAt = Instant.EPOCH;
    private volatile boolean passRunning;
    private volatile long passStartedNanos = System.nanoTime();

    Recovery(TransactionRepository transactions, TransactionDriver driver, CoordinatorProperties properties, Clock clock,
            ExecutorService participantCalls, StartupRecovery startup) {
        this.startup = startup;
        this.participantCalls = participantCalls;
        this.transactions = transactions;
        this.driver = driver;
        this.properties = properties;
        this.clock = clock;
    }

    @Scheduled(initialDelayString = "${verdict.coordinator.recovery-interval:2s}",
            fixedDelayString = "${verdict.coordinator.recovery-interval:2s}")
    void runOnce() {
        passStartedNanos = System.nanoTime();
        if (!startup.isDone()) {
            return;
        }
        Instant now = clock.instant();
        passRunning = true;
        try {
            pass(now);
        } finally {
            passRunning = false;
            lastPassAt = now;
        }
    }

    private void pass(Instant now) {
        List<String> expired = transactions.findExpired(now, properties.recoveryBatchSize());
        forEachInParallel(expired, id -> driver.abort(id, TransactionState.ACTIVE, "timed out: still ACTIVE at its deadline"));
        List<String> unfinished = transactions.findUnfinishedWithExpiredLease(now, properties.recoveryBatchSize());
        forEachInParallel(unfinished, driver::driveIfUndriven);
        if (!expired.isEmpty() || !unfinished.isEmpty()) {
            log.info("Recovery pass: {} timed out, {} unfinished taken over", expired.size(), unfinished.size());
        }
    }

    /** One transaction per thread, so a participant that hangs holds up only its own transactions. */
    private void forEachInParallel(List<String> ids, Consumer<String> work) {
        List<CompletableFuture<Void>> running = ids.stream().map(id -> CompletableFuture.runAsync(() -> {
            try (var ignored = MDC.putCloseable("txId", id)) {
                work.accept(id);
            } catch (RuntimeException e) {
                log.warn("Recovery of transaction {} failed; the next pass retries it", id, e);
            }
        }, participantCalls)).toList();
        running.forEach(CompletableFuture::join);
    }

    /** When the last pass that finished had started. */
    Instant lastPassAt() {
        return lastPassAt;
    }

    /** How long ago the last pass began; a pass skipped while start-up recovery runs counts as one. */
    Duration sinceLastPassStarted() {
        return Duration.ofNanos(System.nanoTime() - passStartedNanos);
    }

    /** How long the pass under way has been running, or null between passes. */
    @Nullable Duration passRunningFor() {
        return passRunning ? Duration.ofNanos(System.nanoTime() - passStartedNanos) : null;
    }
}
