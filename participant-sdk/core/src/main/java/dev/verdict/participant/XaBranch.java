package dev.verdict.participant;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.XAConnection;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This participant's branch of one global transaction and its XA life: opened on a pooled XA connection
 * at the first business call, held across calls, prepared with its commit marker, then committed or
 * rolled back on that same connection (H2 commits a prepared branch only there). A business request or
 * a coordinator call holds the branch's lock while it touches the branch.
 */
final class XaBranch {

    private static final Logger log = LoggerFactory.getLogger(XaBranch.class);

    private final String transactionId;
    private final Instant createdAt;
    private volatile @Nullable Instant preparedAt;
    private final ReentrantLock lock = new ReentrantLock();
    /** Changed only by {@link #moveTo}, under the lock; read without it by the timers. */
    private volatile BranchStatus status = BranchStatus.NEW;
    private @Nullable BranchXid xid;
    private @Nullable BranchConnections connections;
    private @Nullable XAConnection xaConnection;
    private @Nullable XAResource resource;
    /** The driver's handle on the physical connection. */
    private @Nullable Connection handle;
    /** The guarded view of {@link #handle} that the service gets. */
    private @Nullable Connection connection;
    private boolean connectionReusable = true;
    private @Nullable String failure;
    /** Named here and registered only once prepared, when its one request ends. */
    private volatile boolean registersWhenPrepared;

    XaBranch(String transactionId, Instant createdAt) {
        this.transactionId = transactionId;
        this.createdAt = createdAt;
    }

    /**
     * Borrows a connection and starts the branch on it; a connection that failed here is never reused (see
     * {@link BranchConnections#borrowStarted}).
     */
    void open(BranchXid xid, BranchConnections connections) throws SQLException, XAException {
        this.xid = xid;
        this.connections = connections;
        this.xaConnection = connections.borrowStarted(this::startOn);
    }

    private void startOn(XAConnection borrowed) throws SQLException, XAException {
        XAResource started = borrowed.getXAResource();
        started.start(xid(), XAResource.TMNOFLAGS);
        Connection handle = borrowed.getConnection();
        this.resource = started;
        this.handle = handle;
        this.connection = GuardedConnection.over(handle, transactionId, this::markFailed, this::distrustConnection);
        moveTo(BranchStatus.ACTIVE);
    }

    /**
     * Writes the commit marker into the branch, ends the work and prepares it: from here on the database
     * keeps the branch, and the marker commits or vanishes with it.
     */
    void prepare(Instant now) throws SQLException, XAException {
        XAResource prepared = resource();
        try {
            PreparedBranches.writeMarker(connection(), xid(), now);
            prepared.end(xid(), XAResource.TMSUCCESS);
            prepared.prepare(xid());
        } catch (SQLException | XAException e) {
            distrustConnection();
            throw e;
        }
        preparedAt = now;
        moveTo(BranchStatus.PREPARED);
    }

    void commitPrepared() throws XAException {
        try {
            resource().commit(xid(), false);
        } catch (XAException e) {
            distrustConnection();
            throw e;
        }
    }

    void rollBackPrepared() throws XAException {
        try {
            resource().rollback(xid());
        } catch (XAException e) {
            distrustConnection();
            throw e;
        }
    }

    /** Rolls back work that was never prepared; never fails, because dropping the connection drops the work too. */
    void rollBackUnprepared() {
        if (resource == null) {
            return;
        }
        try {
            resource.end(xid(), XAResource.TMFAIL);
        } catch (XAException alreadyEnded) {
            log.debug("end(TMFAIL) of transaction {}: {}", transactionId, describe(alreadyEnded));
        }
        try {
            resource.rollback(xid());
        } catch (XAException e) {
            // The connection is then destroyed at the end, which makes the database drop the unprepared work anyway.
            distrustConnection();
            log.warn("Rolling back branch {} of transaction {} failed ({}); closing its connection drops the work",
                    branchId(), transactionId, describe(e));
        }
    }

    /** Dooms an active branch: prepare will roll it back and vote no, giving {@code why}. */
    void markFailed(String why) {
        if (status == BranchStatus.ACTIVE) {
            moveTo(BranchStatus.ROLLBACK_ONLY);
            failure = why;
        }
    }

    /**
     * The branch is given up by this participant rather than ended by its coordinator (a timeout): its
     * connection has sat in a transaction for long and is not trusted with the next branch.
     */
    void abandon() {
        distrustConnection();
    }

    private void distrustConnection() {
        connectionReusable = false;
    }

    /**
     * Whether the branch's connection still reaches the database. After a database restart it does not,
     * while the database still holds the prepared branch: it can then be finished only from another one.
     */
    boolean connectionAlive() {
        try {
            return handle != null && handle.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * Lets go of a dead connection of a prepared branch without ending the branch: the database keeps it,
     * and it is finished from a fresh connection instead (see {@link PreparedBranchRecovery}).
     */
    void dropDeadConnection() {
        distrustConnection();
        releaseConnection();
    }

    /** Ends the branch in {@code outcome} and lets go of its connection: back to the pool if nothing failed on it. */
    void finish(BranchStatus outcome) {
        moveTo(outcome);
        releaseConnection();
    }

    private void releaseConnection() {
        XAConnection held = xaConnection;
        if (held == null || connections == null) {
            return;
        }
        xaConnection = null;
        // Closing the handle makes a view the service kept past the end fail, instead of working outside any branch.
        if (handle != null) {
            try {
                handle.close();
            } catch (SQLException e) {
                distrustConnection();
            }
        }
        if (connectionReusable) {
            connections.giveBack(held);
        } else {
            connections.destroy(held);
        }
    }

    private void moveTo(BranchStatus next) {
        status = status.moveTo(next);
    }

    boolean tryLock(Duration timeout) {
        try {
            return lock.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Locks the branch only if no request or call holds it now; the timers never wait for one. */
    boolean tryLockNow() {
        return lock.tryLock();
    }

    void unlock() {
        lock.unlock();
    }

    /** Marks a branch that prepares as its request ends and then registers, prepared. */
    void registerWhenPrepared() {
        registersWhenPrepared = true;
    }

    boolean registersWhenPrepared() {
        return registersWhenPrepared;
    }

    String transactionId() {
        return transactionId;
    }

    String branchId() {
        return xid == null ? "" : xid.branchId();
    }

    Instant createdAt() {
        return createdAt;
    }

    /** When the branch was prepared, or null before. */
    @Nullable Instant preparedAt() {
        return preparedAt;
    }

    BranchStatus status() {
        return status;
    }

    @Nullable String failure() {
        return failure;
    }

    /** The view of the branch's connection that the service works on. */
    Connection connection() {
        return Objects.requireNonNull(connection, "the branch was never started");
    }

    private BranchXid xid() {
        return Objects.requireNonNull(xid, "the branch was never started");
    }

    private XAResource resource() {
        if (resource == null) {
            throw new IllegalStateException("branch of transaction " + transactionId + " was never started");
        }
        return resource;
    }

    static String describe(XAException e) {
        String message = e.getMessage() == null ? "" : e.getMessage() + " ";
        Throwable cause = e.getCause();
        return message + "(XA error code " + e.errorCode + (cause == null ? "" : ", " + cause.getMessage()) + ")";
    }
}
