package dev.verdict.coordinator.recovery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import dev.verdict.coordinator.config.CoordinatorProperties;
import dev.verdict.coordinator.log.TransactionLog;
import dev.verdict.coordinator.transaction.CoordinatorIdentity;
import dev.verdict.coordinator.transaction.TransactionRepository;
import dev.verdict.coordinator.transaction.TransactionRepository.Undecided;
import dev.verdict.coordinator.transaction.TransactionDriver;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;

/**
 * The part of recovery that must be done before the coordinator takes traffic: it ends the leases that
 * this node's earlier run held, and logs an abort for every transaction that run left without a decision
 * (presumed abort). It only writes to the log and calls no participant, so nothing but the log can hold
 * it up; the rollbacks and commits still owed are sent by the periodic passes afterwards, where a
 * participant that does not answer delays only its own transactions.
 *
 * <p>It runs on a thread of its own, never on the thread that starts the application, and retries with
 * backoff while the log cannot be reached. Until it is done, readiness is OUT_OF_SERVICE and the
 * transaction API answers 503 ({@link StartupGate}); the watchdog reports it if it takes too long.
 */
@Component("startupRecoveryHealthIndicator")
public class StartupRecovery implements HealthIndicator {

    private static final Logger log = LoggerFactory.getLogger(StartupRecovery.class);

    private final TransactionRepository transactions;
    private final TransactionLog transactionLog;
    private final TransactionDriver driver;
    private final CoordinatorIdentity identity;
    private final CoordinatorProperties properties;
    private final Clock clock;
    private final AtomicLong aborted = new AtomicLong();
    private volatile long undecided = -1;
    private volatile @Nullable Instant startedAt;
    private volatile @Nullable Instant finishedAt;
    private volatile long startedNanos;
    private volatile @Nullable String lastFailure;

    StartupRecovery(TransactionRepository transactions, TransactionLog transactionLog, TransactionDriver driver,
            CoordinatorIdentity identity, CoordinatorProperties properties, Clock clock) {
        this.transactions = transactions;
        this.transactionLog = transactionLog;
        this.driver = driver;
        this.identity = identity;
        this.properties = properties;
        this.clock = clock;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        startedAt = clock.instant();
        startedNanos = System.nanoTime();
        Thread.ofPlatform().name("verdict-start-up-recovery").daemon(true).start(this::runUntilDone);
    }

    private void runUntilDone() {
        Retry untilTheLogAnswers = Retry.of("start-up-recovery", RetryConfig.custom()
                .maxAttempts(Integer.MAX_VALUE)
                .intervalFunction(IntervalFunction.ofExponentialBackoff(Duration.ofMillis(200), 2, Duration.ofSeconds(10)))
                .retryOnException(e -> e instanceof RuntimeException)
                .build());
        untilTheLogAnswers.getEventPublisher().onRetry(event -> {
            lastFailure = String.valueOf(event.getLastThrowable());
            log.warn("Start-up recovery failed (attempt {}), retrying in {}: {}", event.getNumberOfRetryAttempts(),
                    event.getWaitInterval(), lastFailure);
        });
        Retry.decorateRunnable(untilTheLogAnswers, this::recover).run();
        finishedAt = clock.instant();
        lastFailure = null;
        log.info("Start-up recovery finished in {} ms: {} transactions of an earlier run aborted (presumed abort);"
                + " taking traffic now", Duration.ofNanos(System.nanoTime() - startedNanos).toMillis(), aborted.get());
    }

    private void recover() {
        // Leases of an earlier run of this node are worthless: that process is gone.
        int orphaned = transactionLog.leases().expireLeasesOfEarlierRuns(identity.ownerPattern(), identity.owner(), clock.instant());
        if (orphaned > 0) {
            log.info("Start-up recovery: {} unfinished transactions left by an earlier run of node '{}'", orphaned, identity.nodeId());
        }
        undecided = transactions.countUndecidedOfEarlierRuns(identity.ownerPattern(), identity.owner());
        if (undecided > 0) {
            log.info("Start-up recovery: {} transactions of an earlier run have no decision; aborting them", undecided);
        }
        // Presumed abort for everything without a decision, active ones included: their clients talked to a
        // process that is gone, and no participant can have been told to commit.
        List<Undecided> batch;
        do {
            batch = transactions.findUndecidedOfEarlierRuns(identity.ownerPattern(), identity.owner(),
                    properties.recoveryBatchSize());
            for (Undecided transaction : batch) {
                if (driver.logAbort(transaction.id(), transaction.state(),
                        "the coordinator restarted before a decision; presumed abort")) {
                    aborted.incrementAndGet();
                }
            }
            if (!batch.isEmpty()) {
                log.info("Start-up recovery: {} of {} undecided transactions aborted", aborted.get(), undecided);
            }
        } while (batch.size() == properties.recoveryBatchSize());
    }

    /** Whether the coordinator may take traffic. */
    public boolean isDone() {
        return finishedAt != null;
    }

    /** How long start-up recovery has been running, or null once it is done or before it starts. */
    @Nullable Duration runningFor() {
        return finishedAt != null || startedAt == null ? null : Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    String progress() {
        return aborted.get() + " of " + (undecided < 0 ? "?" : undecided) + " undecided transactions aborted"
                + (lastFailure == null ? "" : "; last failure: " + lastFailure);
    }

    /** Part of readiness: OUT_OF_SERVICE until the log is recovered. */
    @Override
    public Health health() {
        Health.Builder health = isDone() ? Health.up() : Health.outOfService();
        health.withDetail("startedAt", String.valueOf(startedAt)).withDetail("progress", progress());
        if (finishedAt != null) {
            health.withDetail("finishedAt", finishedAt.toString());
        }
        return health.build();
    }
}
