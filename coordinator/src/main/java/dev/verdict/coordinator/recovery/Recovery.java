package dev.verdict.coordinator.recovery;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.verdict.coordinator.config.CoordinatorProperties;
import dev.verdict.coordinator.transaction.CoordinatorIdentity;
import dev.verdict.coordinator.transaction.GlobalTransaction;
import dev.verdict.coordinator.transaction.TransactionRepository;
import dev.verdict.coordinator.transaction.TransactionService;
import dev.verdict.coordinator.transaction.TransactionState;
import dev.verdict.coordinator.transaction.TwoPhaseCommit;

/**
 * Finishes what nobody is driving: on start-up and then every {@code recovery-interval}, it aborts
 * active transactions past their timeout, aborts transactions left without a decision (presumed abort)
 * and re-runs phase 2 for decided ones. A transaction is taken only when its lease has run out, so
 * several coordinators can share one log.
 */
@Component
class Recovery {

    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    private final TransactionRepository transactions;
    private final TransactionService service;
    private final TwoPhaseCommit twoPhaseCommit;
    private final CoordinatorIdentity identity;
    private final CoordinatorProperties properties;
    private final Clock clock;
    private final ExecutorService participantCalls;
    private volatile Instant lastPassAt = Instant.EPOCH;

    Recovery(TransactionRepository transactions, TransactionService service, TwoPhaseCommit twoPhaseCommit,
            CoordinatorIdentity identity, CoordinatorProperties properties, Clock clock, ExecutorService participantCalls) {
        this.participantCalls = participantCalls;
        this.transactions = transactions;
        this.service = service;
        this.twoPhaseCommit = twoPhaseCommit;
        this.identity = identity;
        this.properties = properties;
        this.clock = clock;
    }

    @EventListener(ApplicationReadyEvent.class)
    void recoverAfterStart() {
        // Leases of an earlier run of this node are worthless: that process is gone.
        int orphaned = transactions.expireLeasesOfEarlierRuns(identity.ownerPattern(), identity.owner(), clock.instant());
        if (orphaned > 0) {
            log.info("Recovery: {} unfinished transactions left by an earlier run of node '{}'", orphaned, identity.nodeId());
        }
        // Presumed abort for everything without a decision, active ones included: their clients talked to
        // a coordinator that is gone, and a participant may already have rolled its part back.
        List<String> active;
        do {
            active = transactions.findActiveOfEarlierRuns(identity.ownerPattern(), identity.owner(), properties.recoveryBatchSize());
            forEachInParallel(active, id -> service.abort(id, TransactionState.ACTIVE,
                    "the coordinator restarted while the transaction was active; presumed abort"));
            if (!active.isEmpty()) {
                log.info("Recovery: aborted {} transactions left active by an earlier run", active.size());
            }
        } while (active.size() == properties.recoveryBatchSize());
        runOnce();
    }

    @Scheduled(initialDelayString = "${verdict.coordinator.recovery-interval:2s}",
            fixedDelayString = "${verdict.coordinator.recovery-interval:2s}")
    void runOnce() {
        Instant now = clock.instant();
        lastPassAt = now;
        List<String> expired = transactions.findExpired(now, properties.recoveryBatchSize());
        forEachInParallel(expired, id -> service.abort(id, TransactionState.ACTIVE, "timed out: still ACTIVE at its deadline"));
        List<String> unfinished = transactions.findUnfinishedWithExpiredLease(now, properties.recoveryBatchSize());
        forEachInParallel(unfinished, this::recover);
        if (!expired.isEmpty() || !unfinished.isEmpty()) {
            log.info("Recovery pass: {} timed out, {} unfinished taken over", expired.size(), unfinished.size());
        }
    }

    /** One transaction per virtual thread, so a participant that hangs holds up only its own transactions. */
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

    Instant lastPassAt() {
        return lastPassAt;
    }

    private void recover(String id) {
        GlobalTransaction transaction = transactions.findById(id).orElseThrow();
        Instant now = clock.instant();
        if (!transactions.claim(id, transaction.state().name(), identity.owner(), now.plus(properties.lease()), now)) {
            return;
        }
        if (transaction.state() == TransactionState.PREPARING) {
            // Nobody logged a decision, so no branch can have been told to commit: abort is safe.
            service.abort(id, TransactionState.PREPARING, "the coordinator lost the prepare phase (crash or lease expiry); presumed abort");
        }
        twoPhaseCommit.finish(id);
    }
}
