package dev.verdict.participant;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Finishes sooner the branches this process holds that their coordinator may have lost track of, by
 * asking it about them:
 * <ul>
 * <li>a branch still unprepared after {@code check} is rolled back at once if the coordinator answers that
 * the transaction aborted or that it has no record of it: a branch that never voted yes may always be
 * rolled back here, and otherwise its row locks would stay until {@code branchTimeout};</li>
 * <li>a branch prepared for longer than {@code check} without hearing phase 2 (its coordinator crashed and
 * came back without it, say) is committed or rolled back as the coordinator answers, or rolled back after
 * {@code orphanTimeout} if the coordinator keeps saying it has no record of it.</li>
 * </ul>
 * Transactions of another coordinator are left alone.
 */
final class AbandonedBranches {

    private static final Logger log = LoggerFactory.getLogger(AbandonedBranches.class);

    private final BranchRegistry registry;
    private final CoordinatorCalls calls;
    private final OutcomeInquiry inquiry;
    private final Clock clock;
    private final Duration check;
    private final Duration orphanTimeout;
    /** When the coordinator first said it had no record of a held prepared branch's transaction. */
    private final Map<String, Instant> unknownSince = new ConcurrentHashMap<>();

    AbandonedBranches(BranchRegistry registry, CoordinatorCalls calls, OutcomeInquiry inquiry, Clock clock, Duration check,
            Duration orphanTimeout) {
        this.registry = registry;
        this.calls = calls;
        this.inquiry = inquiry;
        this.clock = clock;
        this.check = check;
        this.orphanTimeout = orphanTimeout;
    }

    void run() {
        Instant before = clock.instant().minus(check);
        for (XaBranch branch : registry.live()) {
            Instant preparedAt = branch.preparedAt();
            boolean unprepared = branch.status().awaitsPrepare() && branch.createdAt().isBefore(before);
            boolean prepared = branch.status() == BranchStatus.PREPARED && preparedAt != null && preparedAt.isBefore(before);
            if (!unprepared && !prepared) {
                continue;
            }
            try (var ignored = MDC.putCloseable("txId", branch.transactionId())) {
                if (!inquiry.isOwnTransaction(branch.transactionId())) {
                    continue;
                }
                if (unprepared) {
                    askAboutUnprepared(branch);
                } else {
                    askAboutPrepared(branch);
                }
            } catch (RuntimeException e) {
                log.warn("Could not ask about the branch of transaction {}, will retry: {}", branch.transactionId(), e.toString());
            }
        }
    }

    private void askAboutUnprepared(XaBranch branch) {
        switch (inquiry.outcomeOf(new BranchXid(branch.transactionId(), branch.branchId()))) {
            case PENDING -> log.debug("Branch {} of transaction {} is unprepared after {}; the transaction is still running",
                    branch.branchId(), branch.transactionId(), check);
            case COMMIT -> log.warn("The coordinator says transaction {} commits, but its branch {} was never prepared here;"
                    + " leaving it to branch-timeout", branch.transactionId(), branch.branchId());
            case ABORT -> rollBackUnprepared(branch, "the coordinator aborted the transaction");
            case UNKNOWN -> rollBackUnprepared(branch, "the coordinator has no record of the transaction");
        }
    }

    private void askAboutPrepared(XaBranch branch) {
        String id = branch.transactionId();
        switch (inquiry.outcomeOf(new BranchXid(id, branch.branchId()))) {
            case PENDING -> log.info("Branch {} of transaction {} has been prepared for over {}; the coordinator has not decided yet",
                    branch.branchId(), id, check);
            case COMMIT -> {
                log.warn("Branch {} of transaction {} heard no phase 2 for over {}; the coordinator says commit", branch.branchId(), id, check);
                calls.commit(id, branch.branchId());
                unknownSince.remove(id);
            }
            case ABORT -> {
                log.warn("Branch {} of transaction {} heard no phase 2 for over {}; the coordinator says abort", branch.branchId(), id, check);
                calls.rollback(id, branch.branchId());
                unknownSince.remove(id);
            }
            case UNKNOWN -> {
                Instant since = unknownSince.computeIfAbsent(id, key -> clock.instant());
                if (since.plus(orphanTimeout).isBefore(clock.instant())) {
                    log.warn("Rolling back prepared branch {} of transaction {}: the coordinator has had no record of it since {}",
                            branch.branchId(), id, since);
                    calls.rollback(id, branch.branchId());
                    unknownSince.remove(id);
                } else {
                    log.warn("Prepared branch {} of transaction {} is unknown to the coordinator; rolled back after {} unless it turns up",
                            branch.branchId(), id, orphanTimeout);
                }
            }
        }
    }

    /** Only if no request is working in the branch right now; a busy branch is asked about again next time. */
    private void rollBackUnprepared(XaBranch branch, String why) {
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
