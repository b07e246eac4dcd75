package dev.verdict.participant;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;

import javax.transaction.xa.XAException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.verdict.participant.BranchManager.Registrar;

/**
 * What the service's own requests do to branches. The first request of a global transaction that
 * touches the database opens the branch: registered with the coordinator first, or, with
 * {@code prepareAtRequestEnd}, named here and registered only once prepared as that request ends. Every
 * request holds the branch's lock while it works, and one that failed dooms the branch.
 */
final class BusinessCalls {

    private static final Logger log = LoggerFactory.getLogger(BusinessCalls.class);

    private final BranchRegistry registry;
    private final BranchConnections connections;
    private final Registrar registrar;
    private final Duration lockTimeout;
    private final boolean prepareAtRequestEnd;
    private final CrashPoints crashPoints;
    private final Clock clock;

    BusinessCalls(BranchRegistry registry, BranchConnections connections, Registrar registrar, BranchManager.Settings settings,
            CrashPoints crashPoints, Clock clock) {
        this.registry = registry;
        this.connections = connections;
        this.registrar = registrar;
        this.lockTimeout = settings.lockTimeout();
        this.prepareAtRequestEnd = settings.prepareAtRequestEnd();
        this.crashPoints = crashPoints;
        this.clock = clock;
    }

    /** Joins this participant's branch of the transaction, making it on first use, and locks it for the caller. */
    XaBranch join(String transactionId) {
        BranchStatus ended = registry.outcomeOf(transactionId);
        if (ended != null) {
            throw new BranchRefusedException("global transaction " + transactionId + " has already ended here ("
                    + ended + "); no more work can join it");
        }
        XaBranch branch = registry.getOrCreate(transactionId);
        if (!branch.tryLock(lockTimeout)) {
            throw new BranchBusyException("another request of global transaction " + transactionId
                    + " has held this participant's branch for over " + lockTimeout);
        }
        try {
            if (branch.status() == BranchStatus.NEW) {
                open(branch);
            } else if (!branch.status().acceptsWork()) {
                throw new BranchRefusedException("the branch of global transaction " + transactionId + " is "
                        + branch.status() + (branch.failure() == null ? "" : " (" + branch.failure() + ")")
                        + "; no more work can join it" + (branch.registersWhenPrepared()
                                ? " (this participant prepares its branch as a request ends: one request per transaction,"
                                        + " verdict.participant.prepare-at-request-end)"
                                : ""));
            }
            return branch;
        } catch (RuntimeException e) {
            branch.unlock();
            throw e;
        }
    }

    private void open(XaBranch branch) {
        if (prepareAtRequestEnd) {
            openUnregistered(branch);
            return;
        }
        String branchId;
        try {
            branchId = registrar.register(branch.transactionId());
        } catch (RuntimeException e) {
            registry.forget(branch);
            throw e;
        }
        try {
            branch.open(new BranchXid(branch.transactionId(), branchId), connections);
            log.debug("Branch {} of transaction {} started", branchId, branch.transactionId());
        } catch (Exception e) {
            // Registered but unusable: remember a rollback so the coordinator's prepare hears no.
            registry.end(branch, BranchStatus.ROLLED_BACK);
            throw new IllegalStateException("could not start an XA branch in the service's database: " + e.getMessage(), e);
        }
    }

    /** A branch the coordinator hears of only once it is prepared; until then, nobody but this process knows it. */
    private void openUnregistered(XaBranch branch) {
        String branchId = UUID.randomUUID().toString();
        try {
            branch.registerWhenPrepared();
            branch.open(new BranchXid(branch.transactionId(), branchId), connections);
            log.debug("Branch {} of transaction {} started; registered once prepared", branchId, branch.transactionId());
        } catch (Exception e) {
            branch.finish(BranchStatus.ROLLED_BACK);
            registry.forget(branch);
            throw new IllegalStateException("could not start an XA branch in the service's database: " + e.getMessage(), e);
        }
    }

    /**
     * The end of the request, before its answer goes out, for a branch that registers once prepared: the
     * branch is prepared with its commit marker, then registered as prepared, which is its yes vote. A
     * refused registration rolls the branch back and throws {@link BranchRefusedException}; one that got no
     * answer leaves the branch prepared, to be settled by asking the coordinator about it later, and throws
     * {@link BranchInDoubtException}. Either way the request must fail, so that its client does not commit.
     * With {@code receiptWanted}, the branch is not registered: its receipt, returned here, is the yes vote,
     * which the client carries to the coordinator with its commit. Answers null otherwise.
     */
    @Nullable String prepareAndRegister(XaBranch branch, boolean receiptWanted) {
        if (!branch.registersWhenPrepared() || branch.status() != BranchStatus.ACTIVE) {
            return null;
        }
        try {
            branch.prepare(clock.instant());
        } catch (SQLException | XAException e) {
            registry.endBeforePrepare(branch);
            throw new IllegalStateException("could not prepare the branch in the service's database: " + e, e);
        }
        crashPoints.reach(CrashPoints.AFTER_PREPARE);
        String receipt = receiptWanted ? registrar.receipt(branch.transactionId(), branch.branchId()) : null;
        if (receipt != null) {
            // Until the client's commit brings it, the coordinator does not know the branch: should the receipt be
            // lost, the branch waits prepared, and recovery asks the coordinator, which rolls it back once the
            // transaction has ended without it.
            log.debug("Branch {} of transaction {} prepared; its receipt goes back to the client", branch.branchId(),
                    branch.transactionId());
            return receipt;
        }
        try {
            registrar.registerPrepared(branch.transactionId(), branch.branchId());
            log.debug("Branch {} of transaction {} prepared and registered", branch.branchId(), branch.transactionId());
            return null;
        } catch (BranchRefusedException refused) {
            rollBackRefused(branch);
            throw refused;
        } catch (RuntimeException e) {
            log.warn("Branch {} of transaction {} is prepared, but its registration got no answer ({}); it waits for the"
                    + " coordinator's outcome", branch.branchId(), branch.transactionId(), e.toString());
            throw new BranchInDoubtException("the coordinator did not answer the registration of this participant's prepared"
                    + " branch " + branch.branchId() + " (" + e.getMessage() + "); the branch stays prepared until the"
                    + " coordinator's outcome for it is known", e);
        }
    }

    private void rollBackRefused(XaBranch branch) {
        try {
            branch.rollBackPrepared();
            registry.end(branch, BranchStatus.ROLLED_BACK);
            log.info("Branch {} of transaction {} rolled back: the coordinator refused its registration", branch.branchId(),
                    branch.transactionId());
        } catch (XAException e) {
            // Left in the database's prepared list: recovery asks about it, and no decision can include it.
            registry.letGoOfDeadConnection(branch);
            log.warn("Branch {} of transaction {}: rollback after a refused registration failed ({}); recovery rolls it back",
                    branch.branchId(), branch.transactionId(), XaBranch.describe(e));
        }
    }

    /**
     * The request lets go of the branch. One that failed dooms it; a branch that registers once prepared is then
     * rolled back at once, as is one whose request never completed: the coordinator has not heard of it.
     */
    void leave(XaBranch branch, @Nullable String failure) {
        try {
            if (failure != null) {
                branch.markFailed(failure);
            }
            if (branch.registersWhenPrepared() && branch.status().awaitsPrepare()) {
                registry.endBeforePrepare(branch);
            }
        } finally {
            branch.unlock();
        }
    }
}
