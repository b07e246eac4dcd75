package dev.verdict.participant;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Releases sooner the work of transactions that their coordinator has given up. A branch still
 * unprepared after {@code abandonedBranchCheck} is asked about, and rolled back at once if the
 * coordinator answers that the transaction aborted or that it has no record of it: a branch that never
 * voted yes may always be rolled back here, and otherwise its row locks would stay until
 * {@code branchTimeout}. Transactions of another coordinator are left to that timeout.
 */
final class AbandonedBranches {

    private static final Logger log = LoggerFactory.getLogger(AbandonedBranches.class);

    private final BranchRegistry registry;
    private final OutcomeInquiry inquiry;
    private final Clock clock;
    private final Duration check;

    AbandonedBranches(BranchRegistry registry, OutcomeInquiry inquiry, Clock clock, Duration check) {
        this.registry = registry;
        this.inquiry = inquiry;
        this.clock = clock;
        this.check = check;
    }

    void run() {
        Instant openedBefore = clock.instant().minus(check);
        for (XaBranch branch : registry.live()) {
            if (branch.status().awaitsPrepare() && branch.createdAt().isBefore(openedBefore)) {
                try (var ignored = MDC.putCloseable("txId", branch.transactionId())) {
                    ask(branch);
                } catch (RuntimeException e) {
                    log.warn("Could not ask about the unprepared branch of transaction {}, will retry: {}",
                            branch.transactionId(), e.toString());
                }
            }
        }
    }

    private void ask(XaBranch branch) {
        if (!inquiry.isOwnTransaction(branch.transactionId())) {
            return;
        }
        switch (inquiry.outcomeOf(branch.transactionId())) {
            case PENDING -> log.debug("Branch {} of transaction {} is unprepared after {}; the transaction is still running",
                    branch.branchId(), branch.transactionId(), check);
            case COMMIT -> log.warn("The coordinator says transaction {} commits, but its branch {} was never prepared here;"
                    + " leaving it to branch-timeout", branch.transactionId(), branch.branchId());
            case ABORT -> rollBack(branch, "the coordinator aborted the transaction");
            case UNKNOWN -> rollBack(branch, "the coordinator has no record of the transaction");
        }
    }

    /** Only if no request is working in the branch right now; a busy branch is asked about again next time. */
    private void rollBack(XaBranch branch, String why) {
        if (!branch.tryLockNow()) {
            return;
        }
        try {
            if (branch.status().awaitsPrepare()) {
                log.warn("Rolling back branch {} of transaction {}, unprepared for over {}: {}",
                        branch.branchId(), branch.transactionId(), check, why);
                branch.abandon();
                registry.endBeforePrepare(branch);
            }
        } finally {
            branch.unlock();
        }
    }
}
