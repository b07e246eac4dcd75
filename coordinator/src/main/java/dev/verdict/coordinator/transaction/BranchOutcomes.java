package dev.verdict.coordinator.transaction;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.springframework.stereotype.Service;

import dev.verdict.coordinator.branch.BranchRepository;
import dev.verdict.coordinator.config.CoordinatorProperties;
import dev.verdict.coordinator.log.TransactionLog;
import dev.verdict.coordinator.security.Credentials.Caller;

/** What a participant's recovery asks: what becomes of a branch it holds prepared. */
@Service
public class BranchOutcomes {

    /** How far apart the clocks of coordinators sharing a log may be, for the pruning horizon. */
    private static final Duration PRUNING_CLOCK_MARGIN = Duration.ofMinutes(1);

    private final TransactionRepository transactions;
    private final BranchRepository branches;
    private final TransactionLog transactionLog;
    private final CoordinatorProperties properties;
    private final Clock clock;

    BranchOutcomes(TransactionRepository transactions, BranchRepository branches, TransactionLog transactionLog,
            CoordinatorProperties properties, Clock clock) {
        this.transactions = transactions;
        this.branches = branches;
        this.transactionLog = transactionLog;
        this.properties = properties;
        this.clock = clock;
    }

    /** What a participant holding a branch prepared must do with it. */
    public enum BranchOutcome {
        COMMIT, ABORT, PENDING
    }

    /** A branch's outcome, and whether the log has the branch at all. */
    public record BranchAnswer(boolean registered, BranchOutcome outcome) {
    }

    /**
     * What the participant must do with its prepared branch {@code branchId} of transaction {@code id}. A branch
     * the log has follows the transaction's decision, and only the participant that registered it may ask. A
     * branch the log does not have waits while the transaction is ACTIVE, since its registration may be on the
     * way, and is rolled back otherwise: past ACTIVE no registration is taken, so no decision covers it.
     */
    public BranchAnswer of(String id, String branchId, Caller caller) {
        transactionLog.phaseTwo().settle(id);
        Optional<GlobalTransaction> found = transactions.find(id);
        if (found.isEmpty()) {
            if (neverLogged(id)) {
                return new BranchAnswer(false, BranchOutcome.ABORT);
            }
            throw new TransactionNotFoundException(id);
        }
        GlobalTransaction transaction = found.get();
        var branch = branches.findByTransactionId(id).stream().filter(candidate -> candidate.id().equals(branchId)).findFirst();
        if (branch.isPresent() && !caller.name().equals(branch.get().registeredBy())) {
            throw TransactionService.notYours(id, caller);
        }
        BranchOutcome outcome = switch (transaction.state()) {
            case COMMITTING, COMMITTED -> branch.isPresent() ? BranchOutcome.COMMIT : BranchOutcome.ABORT;
            case ABORTING, ABORTED -> BranchOutcome.ABORT;
            case ACTIVE -> BranchOutcome.PENDING;
            case PREPARING -> branch.isPresent() ? BranchOutcome.PENDING : BranchOutcome.ABORT;
        };
        return new BranchAnswer(branch.isPresent(), outcome);
    }

    /**
     * Whether a transaction the log does not have can only be one that never reached it durably: its id is
     * too recent for pruning to have removed it (by a margin for the clocks of nodes sharing the log). A crash
     * of the coordinator can lose a transaction's lazy writes, never a decision, since the forced decision
     * forces the writes before it; so nothing was decided, and presumed abort answers ABORT at once instead
     * of leaving the participant to its orphan timeout. Ids too old to tell, or not made by a coordinator,
     * stay unknown.
     */
    private boolean neverLogged(String id) {
        Instant prunedBefore = clock.instant().minus(properties.logRetention()).plus(PRUNING_CLOCK_MARGIN);
        return TimeOrderedIds.timeOf(id).filter(made -> made.isAfter(prunedBefore)).isPresent();
    }
}
