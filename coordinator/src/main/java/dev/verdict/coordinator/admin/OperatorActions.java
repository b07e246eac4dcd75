package dev.verdict.coordinator.admin;

import java.time.Clock;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

import dev.verdict.coordinator.branch.Branch;
import dev.verdict.coordinator.branch.BranchRepository;
import dev.verdict.coordinator.log.TransactionLog;
import dev.verdict.coordinator.transaction.GlobalTransaction;
import dev.verdict.coordinator.transaction.TransactionConflictException;
import dev.verdict.coordinator.transaction.TransactionDriver;
import dev.verdict.coordinator.transaction.TransactionNotFoundException;
import dev.verdict.coordinator.transaction.TransactionRepository;
import dev.verdict.coordinator.transaction.TransactionState;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;

/**
 * What an operator may do by hand, each with a reason and an audit entry. None of them can break
 * atomicity silently: retry only re-sends the logged outcome; abort is allowed only before a decision;
 * resolving a branch by hand marks it as a heuristic outcome for ever.
 */
@Component
class OperatorActions {

    private static final Logger log = LoggerFactory.getLogger(OperatorActions.class);

    private final TransactionRepository transactions;
    private final BranchRepository branches;
    private final TransactionLog transactionLog;
    private final TransactionDriver driver;
    private final CircuitBreakerRegistry circuitBreakers;
    private final Clock clock;

    OperatorActions(TransactionRepository transactions, BranchRepository branches, TransactionLog transactionLog,
            TransactionDriver driver, CircuitBreakerRegistry circuitBreakers, Clock clock) {
        this.transactions = transactions;
        this.branches = branches;
        this.transactionLog = transactionLog;
        this.driver = driver;
        this.circuitBreakers = circuitBreakers;
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
            driver.driveNow(id);
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
            if (!driver.abort(id, transaction.state(), "aborted by " + actor + ": " + reason)) {
                throw refuse(find(id), "the transaction moved on while the action was asked for");
            }
            return done(id, null, "decide-abort", actor, reason);
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
            if (!transactionLog.resolveBranchByHand(branch, actor, reason, clock.instant())) {
                throw refuse(find(id), "branch " + branchId + " moved on while the action was asked for");
            }
            log.warn("Transaction {}: branch {} of '{}' resolved by hand by {} (heuristic): {}", id, branchId,
                    branch.participantName(), actor, reason);
            driver.driveNow(id);
            return done(id, branchId, "resolve-branch-by-hand", actor, reason);
        }
    }

    private String done(String id, @Nullable String branchId, String action, String actor, String reason) {
        String outcome = "transaction is now " + find(id).state();
        transactionLog.audit(id, branchId, action, actor, reason, outcome, clock.instant());
        log.info("Operator {} did {} on transaction {} ({}): {}", actor, action, id, reason, outcome);
        return outcome;
    }

    private GlobalTransaction find(String id) {
        transactionLog.phaseTwo().settle(id);
        return transactions.find(id).orElseThrow(() -> new TransactionNotFoundException(id));
    }

    private static TransactionConflictException refuse(GlobalTransaction transaction, String why) {
        return new TransactionConflictException(transaction.state(),
                "not allowed: transaction " + transaction.id() + " is " + transaction.state() + "; " + why);
    }
}
