package dev.verdict.coordinator.transaction;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.data.jdbc.core.JdbcAggregateTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.verdict.coordinator.branch.Branch;
import dev.verdict.coordinator.branch.BranchRepository;
import dev.verdict.coordinator.branch.BranchState;
import dev.verdict.coordinator.config.CoordinatorProperties;
import io.micrometer.core.instrument.MeterRegistry;

/** Begins, registers into, commits and rolls back global transactions. */
@Service
public class TransactionService {

    private static final Logger log = LoggerFactory.getLogger(TransactionService.class);

    private final TransactionRepository transactions;
    private final BranchRepository branches;
    private final JdbcAggregateTemplate aggregates;
    private final TwoPhaseCommit twoPhaseCommit;
    private final CoordinatorIdentity identity;
    private final CoordinatorProperties properties;
    private final Clock clock;
    private final MeterRegistry meters;
    private final TransactionHistory history;

    TransactionService(TransactionRepository transactions, BranchRepository branches, JdbcAggregateTemplate aggregates,
            TwoPhaseCommit twoPhaseCommit, CoordinatorIdentity identity, CoordinatorProperties properties, Clock clock,
            MeterRegistry meters, TransactionHistory history) {
        this.history = history;
        this.transactions = transactions;
        this.branches = branches;
        this.aggregates = aggregates;
        this.twoPhaseCommit = twoPhaseCommit;
        this.identity = identity;
        this.properties = properties;
        this.clock = clock;
        this.meters = meters;
    }

    @Transactional
    public GlobalTransaction begin(@Nullable String name, @Nullable Duration timeout) {
        Duration effective = timeout == null ? properties.defaultTimeout() : timeout;
        if (effective.isNegative() || effective.isZero() || effective.compareTo(properties.maxTimeout()) > 0) {
            throw new IllegalArgumentException("timeoutSeconds must be between 1 and " + properties.maxTimeout().toSeconds()
                    + " (verdict.coordinator.max-timeout), but was " + effective.toSeconds());
        }
        Instant now = clock.instant();
        // The lease starts out expired: nobody drives an active transaction, so a timeout may take it at once.
        GlobalTransaction transaction = aggregates.insert(new GlobalTransaction(identity.newTransactionId(), name,
                TransactionState.ACTIVE, null, now, now.plus(effective), null, null, now, identity.owner(), now));
        history.record(transaction.id(), null, null, TransactionState.ACTIVE, name);
        meters.counter("verdict.transactions.begun").increment();
        log.info("Transaction {} begun{} with timeout {}", transaction.id(), name == null ? "" : " as '" + name + "'", effective);
        return transaction;
    }

    public TransactionDetails details(String id) {
        GlobalTransaction transaction = transactions.findById(id).orElseThrow(() -> new TransactionNotFoundException(id));
        return new TransactionDetails(transaction, branches.findByTransactionId(id));
    }

    /**
     * Adds a participant's branch to an active transaction; a participant that registers again with the
     * same URL gets its existing branch back, so a retried registration does not make a second branch.
     */
    @Transactional
    public Registration register(String id, String participantName, String url) {
        Instant now = clock.instant();
        // Locking the transaction's row serializes this with the move to PREPARING: a branch is either
        // in the list that phase 1 reads, or refused here.
        if (!transactions.lockActive(id, now)) {
            GlobalTransaction transaction = transactions.findById(id).orElseThrow(() -> new TransactionNotFoundException(id));
            throw new TransactionConflictException(transaction.state(), "transaction " + id + " is " + transaction.state()
                    + "; participants can register only while it is ACTIVE");
        }
        GlobalTransaction transaction = transactions.findById(id).orElseThrow(() -> new TransactionNotFoundException(id));
        if (!transaction.expiresAt().isAfter(now)) {
            throw new TransactionConflictException(transaction.state(),
                    "transaction " + id + " timed out at " + transaction.expiresAt() + "; it is being aborted");
        }
        var existing = branches.findByTransactionIdAndUrl(id, url);
        if (existing.isPresent()) {
            return new Registration(existing.get(), false);
        }
        Branch branch = aggregates.insert(new Branch(UUID.randomUUID().toString(), id, participantName, url,
                BranchState.REGISTERED, null, null, 0, now, now));
        history.record(id, branch.id(), null, BranchState.REGISTERED, participantName + " at " + url);
        log.info("Transaction {}: participant '{}' registered branch {} at {}", id, participantName, branch.id(), url);
        return new Registration(branch, true);
    }

    /**
     * Runs two-phase commit. Returns the transaction as it ends up: COMMITTED, COMMITTING when the
     * decision is logged but a branch has not acknowledged yet, or ABORTED/ABORTING with the reason.
     */
    public TransactionDetails commit(String id) {
        try (var ignored = MDC.putCloseable("txId", id)) {
            GlobalTransaction transaction = transactions.findById(id).orElseThrow(() -> new TransactionNotFoundException(id));
            switch (transaction.state()) {
                case ACTIVE -> {
                    Instant now = clock.instant();
                    if (!transaction.expiresAt().isAfter(now)) {
                        abort(id, TransactionState.ACTIVE, "timed out at " + transaction.expiresAt() + " before commit was asked");
                    } else if (transactions.moveAndLease(id, "ACTIVE", "PREPARING", identity.owner(),
                            now.plus(properties.lease()), now)) {
                        history.record(id, null, TransactionState.ACTIVE, TransactionState.PREPARING, null);
                        log.info("Transaction {} PREPARING", id);
                        twoPhaseCommit.prepareAndDecide(id);
                    } else {
                        return commit(id);
                    }
                }
                case PREPARING -> throw new TransactionConflictException(transaction.state(),
                        "transaction " + id + " is already being committed; ask for its state with GET");
                case COMMITTING, ABORTING -> claimAndFinish(transaction);
                case COMMITTED, ABORTED -> {
                    // a repeated request: answer with the outcome already reached
                }
            }
            return details(id);
        }
    }

    /** Aborts the transaction. Refused once a commit decision is logged. */
    public TransactionDetails rollback(String id) {
        try (var ignored = MDC.putCloseable("txId", id)) {
            GlobalTransaction transaction = transactions.findById(id).orElseThrow(() -> new TransactionNotFoundException(id));
            switch (transaction.state()) {
                case ACTIVE, PREPARING -> {
                    if (!abort(id, transaction.state(), "rolled back by the client")) {
                        return rollback(id);
                    }
                }
                case ABORTING -> claimAndFinish(transaction);
                case COMMITTING, COMMITTED -> throw new IllegalTransitionException(transaction.state(), TransactionState.ABORTING);
                case ABORTED -> {
                    // a repeated request
                }
            }
            return details(id);
        }
    }

    /**
     * Logs an abort decision for a transaction in {@code from}, then rolls back its branches unless the
     * thread preparing it is still at work (it sees the decision and finishes it). Returns false if the
     * transaction had left {@code from} already.
     */
    public boolean abort(String id, TransactionState from, String reason) {
        if (!logAbort(id, from, reason)) {
            return false;
        }
        if (from == TransactionState.ACTIVE) {
            claimAndFinish(transactions.findById(id).orElseThrow());
        }
        return true;
    }

    /**
     * Logs an abort decision for a transaction in {@code from} and nothing more: its rollbacks are left to
     * whoever drives it next. Returns false if the transaction had left {@code from} already.
     */
    public boolean logAbort(String id, TransactionState from, String reason) {
        from.moveTo(TransactionState.ABORTING);
        if (!transactions.decide(id, from.name(), "ABORTING", reason, clock.instant())) {
            return false;
        }
        history.record(id, null, from, TransactionState.ABORTING, reason);
        log.info("Transaction {} decided ABORT: {}", id, reason);
        return true;
    }

    private void claimAndFinish(GlobalTransaction transaction) {
        Instant now = clock.instant();
        if (transactions.claim(transaction.id(), transaction.state().name(), identity.owner(), now.plus(properties.lease()), now)) {
            twoPhaseCommit.finish(transaction.id());
        }
    }

    /** A branch and whether this registration made it. */
    public record Registration(Branch branch, boolean created) {
    }
}
