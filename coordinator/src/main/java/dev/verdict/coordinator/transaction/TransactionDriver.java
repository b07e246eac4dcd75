package dev.verdict.coordinator.transaction;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.verdict.coordinator.config.CoordinatorProperties;
import dev.verdict.coordinator.log.TransactionLog;

/**
 * The one way to take a transaction in hand after its first driver: the API (a repeated commit or
 * rollback), recovery and operators all come here. It takes the lease, aborts a transaction stranded
 * without a decision (presumed abort), and runs phase 2.
 */
@Component
public class TransactionDriver {

    private static final Logger log = LoggerFactory.getLogger(TransactionDriver.class);

    private final TransactionRepository transactions;
    private final TransactionLog transactionLog;
    private final TwoPhaseCommit twoPhaseCommit;
    private final CoordinatorIdentity identity;
    private final CoordinatorProperties properties;
    private final Clock clock;

    TransactionDriver(TransactionRepository transactions, TransactionLog transactionLog, TwoPhaseCommit twoPhaseCommit,
            CoordinatorIdentity identity, CoordinatorProperties properties, Clock clock) {
        this.transactions = transactions;
        this.transactionLog = transactionLog;
        this.twoPhaseCommit = twoPhaseCommit;
        this.identity = identity;
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * Drives an unfinished transaction whose lease has run out: nobody else drives it. Answers false if
     * someone else holds it or took it first.
     */
    public boolean driveIfUndriven(String id) {
        GlobalTransaction transaction = find(id);
        Instant now = clock.instant();
        if (transaction.state().isFinal() || transaction.state() == TransactionState.ACTIVE
                || !transactionLog.leases().claim(id, transaction.state(), identity.owner(), now.plus(properties.lease()), now)) {
            return false;
        }
        drive(transaction);
        return true;
    }

    /** Drives a decided transaction now, even if another thread holds it: an operator's retry. */
    public void driveNow(String id) {
        GlobalTransaction transaction = find(id);
        if (transactionLog.leases().takeOver(id, transaction.state(), identity.owner(), clock.instant().plus(properties.lease()))) {
            drive(transaction);
        }
    }

    private void drive(GlobalTransaction transaction) {
        if (transaction.state() == TransactionState.PREPARING) {
            // Nobody logged a decision, so no branch can have been told to commit: abort is safe.
            abortHeld(transaction.id(), TransactionState.PREPARING,
                    "the coordinator lost the prepare phase (crash or lease expiry); presumed abort");
        }
        twoPhaseCommit.finish(transaction.id());
    }

    /**
     * Decides abort for a transaction in {@code from} (ACTIVE or PREPARING) and rolls its branches back.
     * Answers false if the transaction had left {@code from}: someone else decided first.
     */
    public boolean abort(String id, TransactionState from, String reason) {
        if (!abortHeld(id, from, reason)) {
            return false;
        }
        twoPhaseCommit.finish(id);
        return true;
    }

    private boolean abortHeld(String id, TransactionState from, String reason) {
        Instant now = clock.instant();
        if (!transactionLog.decide(id, from, TransactionState.ABORTING, List.of(), reason, identity.owner(),
                now.plus(properties.lease()), now)) {
            return false;
        }
        log.info("Transaction {} decided ABORT: {}", id, reason);
        return true;
    }

    /**
     * Logs an abort and nothing more, leaving the lease run out so that the next recovery pass sends the
     * rollbacks: start-up recovery calls no participant.
     */
    public boolean logAbort(String id, TransactionState from, String reason) {
        Instant now = clock.instant();
        if (!transactionLog.decide(id, from, TransactionState.ABORTING, List.of(), reason, identity.owner(), now, now)) {
            return false;
        }
        log.info("Transaction {} decided ABORT: {}", id, reason);
        return true;
    }

    private GlobalTransaction find(String id) {
        return transactions.find(id).orElseThrow(() -> new TransactionNotFoundException(id));
    }
}
