package dev.verdict.participant;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Rolls back branches not prepared within {@code branchTimeout}: a coordinator that has not asked for
 * a vote by then is not coming back for them, and their row locks block other work meanwhile.
 */
final class ExpiryTimer {

    private static final Logger log = LoggerFactory.getLogger(ExpiryTimer.class);

    private final BranchRegistry registry;
    private final Duration branchTimeout;
    private final Clock clock;

    ExpiryTimer(BranchRegistry registry, Duration branchTimeout, Clock clock) {
        this.registry = registry;
        this.branchTimeout = branchTimeout;
        this.clock = clock;
    }

    /** How often to look: a quarter of the timeout, between 100 ms and a second. */
    Duration sweepInterval() {
        return Duration.ofMillis(Math.max(100, Math.min(1000, branchTimeout.toMillis() / 4)));
    }

    void run() {
        Instant deadline = clock.instant().minus(branchTimeout);
        for (XaBranch branch : registry.live()) {
            if (branch.createdAt().isBefore(deadline) && branch.status().awaitsPrepare() && branch.tryLockNow()) {
                try (var ignored = MDC.putCloseable("txId", branch.transactionId())) {
                    if (branch.status().awaitsPrepare()) {
                        log.warn("Branch {} of transaction {} was not prepared within {}; rolling it back",
                                branch.branchId(), branch.transactionId(), branchTimeout);
                        branch.abandon();
                        registry.endBeforePrepare(branch);
                    }
                } catch (RuntimeException e) {
                    log.warn("Rolling back expired branch of transaction {} failed", branch.transactionId(), e);
                } finally {
                    branch.unlock();
                }
            }
        }
    }
}
