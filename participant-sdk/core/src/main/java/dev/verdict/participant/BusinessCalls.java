package dev.verdict.participant;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.verdict.participant.BranchManager.Registrar;

/**
 * What the service's own requests do to branches. The first request of a global transaction that
 * touches the database registers the branch with the coordinator and opens it; every request holds the
 * branch's lock while it works, and one that failed dooms the branch.
 */
final class BusinessCalls {

    private static final Logger log = LoggerFactory.getLogger(BusinessCalls.class);

    private final BranchRegistry registry;
    private final BranchConnections connections;
    private final Registrar registrar;
    private final Duration lockTimeout;
    private final Duration lockWaitTimeout;

    BusinessCalls(BranchRegistry registry, BranchConnections connections, Registrar registrar, Duration lockTimeout,
            Duration lockWaitTimeout) {
        this.registry = registry;
        this.connections = connections;
        this.registrar = registrar;
        this.lockTimeout = lockTimeout;
        this.lockWaitTimeout = lockWaitTimeout;
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
                        + "; no more work can join it");
            }
            return branch;
        } catch (RuntimeException e) {
            branch.unlock();
            throw e;
        }
    }

    private void open(XaBranch branch) {
        String branchId;
        try {
            branchId = registrar.register(branch.transactionId());
        } catch (RuntimeException e) {
            registry.forget(branch);
            throw e;
        }
        try {
            branch.open(new BranchXid(branch.transactionId(), branchId), connections, lockWaitTimeout);
            log.debug("Branch {} of transaction {} started", branchId, branch.transactionId());
        } catch (Exception e) {
            // Registered but unusable: remember a rollback so the coordinator's prepare hears no.
            registry.end(branch, BranchStatus.ROLLED_BACK);
            throw new IllegalStateException("could not start an XA branch in the service's database: " + e.getMessage(), e);
        }
    }

    void leave(XaBranch branch, @Nullable String failure) {
        if (failure != null) {
            branch.markFailed(failure);
        }
        branch.unlock();
    }
}
