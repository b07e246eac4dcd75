package dev.verdict.participant;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;

import javax.transaction.xa.XAException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The coordinator's calls to this participant: prepare, commit and rollback of one branch. Each may
 * arrive more than once, or after this process restarted, and gets the same answer every time. A
 * branch this process no longer holds is answered from the database (see {@link PreparedBranchRecovery}).
 */
final class CoordinatorCalls {

    private static final Logger log = LoggerFactory.getLogger(CoordinatorCalls.class);

    private final BranchRegistry registry;
    private final PreparedBranchRecovery recovery;
    private final CrashPoints crashPoints;
    private final Clock clock;
    private final Duration lockTimeout;

    CoordinatorCalls(BranchRegistry registry, PreparedBranchRecovery recovery, CrashPoints crashPoints, Clock clock,
            Duration lockTimeout) {
        this.registry = registry;
        this.recovery = recovery;
        this.crashPoints = crashPoints;
        this.clock = clock;
        this.lockTimeout = lockTimeout;
    }

    PrepareVote prepare(String transactionId, String branchId) {
        try (var ignored = MDC.putCloseable("txId", transactionId)) {
            XaBranch branch = registry.find(transactionId, branchId);
            if (branch == null) {
                return PrepareVote.abort(registry.outcomeOf(transactionId) == BranchStatus.ROLLED_BACK
                        ? "the branch was already rolled back here (timeout or an earlier rollback)"
                        : "this participant holds no work of the transaction (it restarted, or the work never arrived)");
            }
            if (!branch.tryLock(lockTimeout)) {
                return PrepareVote.abort("business work was still running in the branch after " + lockTimeout);
            }
            try {
                return switch (branch.status()) {
                    case PREPARED -> PrepareVote.prepared();
                    case READ_ONLY -> PrepareVote.readOnly();
                    case ACTIVE -> prepareActive(branch);
                    case ROLLBACK_ONLY -> {
                        registry.endBeforePrepare(branch);
                        yield PrepareVote.abort("the business work failed: " + branch.failure());
                    }
                    case NEW, COMMITTED, ROLLED_BACK -> PrepareVote.abort("the branch is " + branch.status());
                };
            } finally {
                branch.unlock();
            }
        }
    }

    private PrepareVote prepareActive(XaBranch branch) {
        String why;
        try {
            branch.prepare(clock.instant());
            log.debug("Branch {} of transaction {} prepared", branch.branchId(), branch.transactionId());
            crashPoints.reach(CrashPoints.AFTER_PREPARE);
            return PrepareVote.prepared();
        } catch (SQLException e) {
            why = "the database refused the branch's commit marker: " + e.getMessage();
        } catch (XAException e) {
            why = "the database refused to prepare: " + XaBranch.describe(e);
        }
        log.warn("Branch {} of transaction {}: {}", branch.branchId(), branch.transactionId(), why);
        registry.endBeforePrepare(branch);
        return PrepareVote.abort(why);
    }

    void commit(String transactionId, String branchId) {
        try (var ignored = MDC.putCloseable("txId", transactionId)) {
            XaBranch branch = registry.find(transactionId, branchId);
            if (branch == null) {
                BranchStatus ended = registry.outcomeOf(transactionId);
                if (ended == BranchStatus.COMMITTED || ended == BranchStatus.READ_ONLY) {
                    return;
                }
                if (ended == BranchStatus.ROLLED_BACK) {
                    throw new IllegalStateException("branch " + branchId + " of transaction " + transactionId
                            + " was rolled back here and cannot be committed");
                }
                recovery.commitFromDatabase(new BranchXid(transactionId, branchId));
                return;
            }
            if (!branch.tryLock(lockTimeout)) {
                throw new BranchBusyException("the branch is still in use; retry");
            }
            try {
                switch (branch.status()) {
                    case PREPARED -> {
                        crashPoints.reach(CrashPoints.BEFORE_COMMIT);
                        branch.commitPrepared();
                        registry.end(branch, BranchStatus.COMMITTED);
                        // the routine outcome, once per branch: at INFO it was most of a busy service's log
                        log.debug("Branch {} of transaction {} committed", branchId, transactionId);
                        crashPoints.reach(CrashPoints.AFTER_COMMIT);
                    }
                    case COMMITTED, READ_ONLY -> {
                    }
                    default -> throw new IllegalStateException("branch " + branchId + " of transaction " + transactionId
                            + " is " + branch.status() + " and was never prepared; commit comes only after a yes vote");
                }
            } catch (XAException e) {
                if (!branch.connectionAlive()) {
                    registry.letGoOfDeadConnection(branch);
                    recovery.commitFromDatabase(new BranchXid(transactionId, branchId));
                    return;
                }
                // The database no longer holds it prepared because another process of this service, sharing the
                // database, finished it from the prepared list first: its marker says whether it committed.
                if (recovery.provenCommitted(new BranchXid(transactionId, branchId))) {
                    registry.end(branch, BranchStatus.COMMITTED);
                    log.info("Branch {} of transaction {} was committed already, by this service's recovery", branchId, transactionId);
                    return;
                }
                throw new IllegalStateException("the database failed to commit the prepared branch: " + XaBranch.describe(e), e);
            } finally {
                branch.unlock();
            }
        }
    }

    void rollback(String transactionId, String branchId) {
        try (var ignored = MDC.putCloseable("txId", transactionId)) {
            XaBranch branch = registry.find(transactionId, branchId);
            if (branch == null) {
                recovery.rollbackFromDatabase(new BranchXid(transactionId, branchId));
                return;
            }
            if (!branch.tryLock(lockTimeout)) {
                throw new BranchBusyException("business work is still running in the branch; retry");
            }
            try {
                switch (branch.status()) {
                    case NEW, ACTIVE, ROLLBACK_ONLY -> registry.endBeforePrepare(branch);
                    case PREPARED -> {
                        branch.rollBackPrepared();
                        registry.end(branch, BranchStatus.ROLLED_BACK);
                        log.info("Branch {} of transaction {} rolled back", branchId, transactionId);
                    }
                    case ROLLED_BACK, READ_ONLY -> {
                    }
                    case COMMITTED -> throw new IllegalStateException("branch " + branchId + " of transaction "
                            + transactionId + " was committed here and cannot be rolled back");
                }
            } catch (XAException e) {
                if (!branch.connectionAlive()) {
                    registry.letGoOfDeadConnection(branch);
                    recovery.rollbackFromDatabase(new BranchXid(transactionId, branchId));
                    return;
                }
                // Another process of this service may have rolled it back from the prepared list first.
                BranchXid xid = new BranchXid(transactionId, branchId);
                if (branch.status() == BranchStatus.PREPARED && !recovery.stillPrepared(xid) && !recovery.provenCommitted(xid)) {
                    registry.end(branch, BranchStatus.ROLLED_BACK);
                    log.info("Branch {} of transaction {} was rolled back already, by this service's recovery", branchId, transactionId);
                    return;
                }
                throw new IllegalStateException("the database failed to roll back the prepared branch: " + XaBranch.describe(e), e);
            } finally {
                branch.unlock();
            }
        }
    }
}
