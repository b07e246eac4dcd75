package dev.verdict.coordinator.admin;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

import dev.verdict.coordinator.branch.Branch;
import dev.verdict.coordinator.branch.BranchRepository;
import dev.verdict.coordinator.branch.BranchState;
import dev.verdict.coordinator.config.CoordinatorProperties;
import dev.verdict.coordinator.transaction.CoordinatorIdentity;
import dev.verdict.coordinator.transaction.GlobalTransaction;
import dev.verdict.coordinator.transaction.TransactionConflictException;
import dev.verdict.coordinator.transaction.TransactionHistory;
import dev.verdict.coordinator.transaction.TransactionNotFoundException;
import dev.verdict.coordinator.transaction.TransactionRepository;
import dev.verdict.coordinator.transaction.TransactionService;
import dev.verdict.coordinator.transaction.TransactionState;
import dev.verdict.coordinator.transaction.TwoPhaseCommit;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;

/**
 * What an operator may do by hand, each with a reason and an audit entry. None of them can break
 * atomicity silently: retry only re-sends the logged outcome; abort is allowed only before a decision;
 * commit only when every branch is known prepared; resolving a branch by hand marks it as a heuristic
 * outcome for ever.
 */
@Component
class OperatorActions {

    private static final Logger log = LoggerFactory.getLogger(OperatorActions.class);

    private final TransactionRepository transactions;
    private final BranchRepository branches;
    private final TransactionService service;
    private final TwoPhaseCommit twoPhaseCommit;
    private final TransactionHistory history;
    private final AuditTrail audit;
    private final CircuitBreakerRegistry circuitBreakers;
    private final CoordinatorIdentity identity;
    private final CoordinatorProperties properties;
    private final Clock clock;

    OperatorActions(TransactionRepository transactions, BranchRepository branches, TransactionService service,
            TwoPhaseCommit twoPhaseCommit, TransactionHistory history, AuditTrail audit, CircuitBreakerRegistry circuitBreakers,
            CoordinatorIdentity identity, CoordinatorProperties properties, Clock clock) {
        this.transactions = transactions;
        this.branches = branches;
        this.service = service;
        this.twoPhaseCommit = twoPhaseCommit;
        this.history = history;
        this.audit = audit;
        this.circuitBreakers = circuitBreakers;
        this.identity = identity;
        this.properties = properties;
        this.clock = clock;
    }

    /** Re-sends the logged outcome to every unfinished branch now, closing their participants' circuit breakers first. */
    String retryPhase2(String id, String actor, String reason) {
        GlobalTransaction transaction = find(id);
        if (!transaction.state().isDecided() || transaction.state().isFinal()) {
            throw refuse(transaction, "retry applies to a decided, unfinished transaction (COMMITTING or ABORTING)");
        }
        try (var ignored = MDC.putCloseable("txId", id)) {
            for (Branch branch : branches.findByTransactionId(id)) {
                if (!branch.state().isFinished()) {
                    circuitBreakers.circuitBreaker(branch.participantName(), "participant").transitionToClosedState();
                }
            }
            transactions.takeOver(id, transaction.state().name(), identity.owner(), clock.instant().plus(properties.lease()));
            twoPhaseCommit.finish(id);
            return done(id, null, "retry-phase-2", actor, reason);
        }
    }

    /** Aborts a transaction that has no decision yet. */
    String abort(String id, String actor, String reason) {
        GlobalTransaction transaction = find(id);
        if (transaction.state() != TransactionState.ACTIVE && transaction.state() != TransactionState.PREPARING) {
            throw refuse(transaction, "abort applies only before a decision (ACTIVE or PREPARING)");
        }
        try (var ignored = MDC.putCloseable("txId", id)) {
            if (!service.abort(id, transaction.state(), "aborted by " + actor + ": " + reason)) {
                throw refuse(find(id), "the transaction moved on while the action was asked for");
            }
            if (transaction.state() == TransactionState.PREPARING && takeOverIfUndriven(id, TransactionState.ABORTING)) {
                twoPhaseCommit.finish(id);
            }
            return done(id, null, "decide-abort", actor, reason);
        }
    }

    /** Commits a transaction that has no decision yet, but only when every branch is known to be prepared. */
    String commit(String id, String actor, String reason) {
        GlobalTransaction transaction = find(id);
        if (transaction.state() != TransactionState.PREPARING) {
            throw refuse(transaction, "commit by hand applies only to a PREPARING transaction");
        }
        List<Branch> all = branches.findByTransactionId(id);
        List<String> unprepared = all.stream()
                .filter(branch -> branch.state() != BranchState.PREPARED && branch.state() != BranchState.READ_ONLY)
                .map(branch -> branch.participantName() + " is " + branch.state())
                .toList();
        if (!unprepared.isEmpty()) {
            throw refuse(transaction, "commit needs every branch PREPARED or READ_ONLY, but " + String.join(", ", unprepared));
        }
        try (var ignored = MDC.putCloseable("txId", id)) {
            if (!transactions.decide(id, "PREPARING", "COMMITTING", null, clock.instant())) {
                throw refuse(find(id), "the transaction moved on while the action was asked for");
            }
            history.record(id, null, TransactionState.PREPARING, TransactionState.COMMITTING, "committed by " + actor + ": " + reason);
            log.info("Transaction {} decided COMMIT by hand ({}): {}", id, actor, reason);
            if (takeOverIfUndriven(id, TransactionState.COMMITTING)) {
                twoPhaseCommit.finish(id);
            }
            return done(id, null, "decide-commit", actor, reason);
        }
    }

    /**
     * Declares a branch finished because its participant is gone for good. The branch keeps the state
     * RESOLVED_BY_HAND for ever, so the transaction never looks like a clean commit or abort.
     */
    String resolveBranch(String id, String branchId, String actor, String reason) {
        GlobalTransaction transaction = find(id);
        if (!transaction.state().isDecided() || transaction.state().isFinal()) {
            throw refuse(transaction, "a branch can be resolved by hand only in a decided, unfinished transaction"
                    + " (COMMITTING or ABORTING); abort an undecided one instead");
        }
        Branch branch = branches.findById(branchId).filter(found -> found.transactionId().equals(id))
                .orElseThrow(() -> new TransactionNotFoundException(id + " branch " + branchId));
        if (branch.state().isFinished()) {
            throw refuse(transaction, "branch " + branchId + " is already " + branch.state());
        }
        try (var ignored = MDC.putCloseable("txId", id)) {
            if (!branches.move(branchId, branch.state().name(), BranchState.RESOLVED_BY_HAND.name(),
                    "resolved by " + actor + ": " + reason, clock.instant())) {
                throw refuse(find(id), "branch " + branchId + " moved on while the action was asked for");
            }
            history.record(id, branchId, branch.state(), BranchState.RESOLVED_BY_HAND, "resolved by " + actor + ": " + reason);
            log.warn("Transaction {}: branch {} of '{}' resolved by hand by {} (heuristic): {}", id, branchId,
                    branch.participantName(), actor, reason);
            transactions.takeOver(id, transaction.state().name(), identity.owner(), clock.instant().plus(properties.lease()));
            twoPhaseCommit.finish(id);
            return done(id, branchId, "resolve-branch-by-hand", actor, reason);
        }
    }

    private boolean takeOverIfUndriven(String id, TransactionState state) {
        Instant now = clock.instant();
        return transactions.claim(id, state.name(), identity.owner(), now.plus(properties.lease()), now);
    }

    private String done(String id, @org.jspecify.annotations.Nullable String branchId, String action, String actor, String reason) {
        String outcome = "transaction is now " + find(id).state();
        audit.record(id, branchId, action, actor, reason, outcome);
        log.info("Operator {} did {} on transaction {} ({}): {}", actor, action, id, reason, outcome);
        return outcome;
    }

    private GlobalTransaction find(String id) {
        return transactions.findById(id).orElseThrow(() -> new TransactionNotFoundException(id));
    }

    private static TransactionConflictException refuse(GlobalTransaction transaction, String why) {
        return new TransactionConflictException(transaction.state(),
                "not allowed: transaction " + transaction.id() + " is " + transaction.state() + "; " + why);
    }
}
