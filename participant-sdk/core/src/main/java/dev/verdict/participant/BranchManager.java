package dev.verdict.participant;

import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.XADataSource;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import dev.verdict.participant.XaBranch.Status;

/**
 * Keeps this participant's XA branches: one per global transaction, opened on the first business call
 * that touches the database, held across calls until the coordinator's prepare, and ended by its
 * commit or rollback. Every coordinator call is idempotent, and a branch the coordinator never comes
 * back for is rolled back once {@code branchTimeout} has passed without a prepare.
 */
public final class BranchManager implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BranchManager.class);
    private static final int REMEMBERED_OUTCOMES = 100_000;

    private final XADataSource dataSource;
    private final Registrar registrar;
    private final Duration branchTimeout;
    private final Duration lockTimeout;
    private final Duration lockWaitTimeout;
    private final Clock clock;
    private final Map<String, XaBranch> branches = new ConcurrentHashMap<>();
    /** Outcomes of recently ended branches, so repeated calls get the same answer and late work is refused. */
    private final Map<String, Status> outcomes = Collections.synchronizedMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Status> eldest) {
            return size() > REMEMBERED_OUTCOMES;
        }
    });
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("verdict-branch-timeout").daemon().factory());

    /** Registers a new branch with the coordinator and answers the branch id it gave. */
    @FunctionalInterface
    public interface Registrar {
        String register(String transactionId);
    }

    /**
     * @param branchTimeout how long a branch may stay unprepared before it is rolled back
     * @param lockTimeout how long a coordinator call waits for a business request still working in the branch
     * @param lockWaitTimeout how long a statement in a branch waits for a database row lock before it fails
     */
    public BranchManager(XADataSource dataSource, Registrar registrar, Duration branchTimeout, Duration lockTimeout,
            Duration lockWaitTimeout, Clock clock) {
        this.dataSource = dataSource;
        this.registrar = registrar;
        this.branchTimeout = branchTimeout;
        this.lockTimeout = lockTimeout;
        this.lockWaitTimeout = lockWaitTimeout;
        this.clock = clock;
        long period = Math.max(100, Math.min(1000, branchTimeout.toMillis() / 4));
        sweeper.scheduleWithFixedDelay(this::rollBackExpired, period, period, TimeUnit.MILLISECONDS);
    }

    /** Opens the request-long enlistment of the current thread in a global transaction. */
    public Enlistment enlist(String transactionId) {
        return new Enlistment(this, transactionId);
    }

    /** Branches currently held open (active or prepared). */
    public int openBranches() {
        return branches.size();
    }

    /** Joins this participant's branch of the transaction, making it on first use, and locks it for the caller. */
    XaBranch join(String transactionId) {
        Status ended = outcomes.get(transactionId);
        if (ended != null) {
            throw new BranchRefusedException("global transaction " + transactionId + " has already ended here ("
                    + ended + "); no more work can join it");
        }
        XaBranch branch = branches.computeIfAbsent(transactionId, id -> new XaBranch(id, clock.instant()));
        lock(branch);
        try {
            if (branch.status == Status.NEW) {
                open(branch);
            } else if (!branch.status.acceptsWork()) {
                throw new BranchRefusedException("the branch of global transaction " + transactionId + " is "
                        + branch.status + (branch.failure == null ? "" : " (" + branch.failure + ")")
                        + "; no more work can join it");
            }
            return branch;
        } catch (RuntimeException e) {
            branch.lock.unlock();
            throw e;
        }
    }

    private void open(XaBranch branch) {
        String branchId;
        try {
            branchId = registrar.register(branch.transactionId);
        } catch (RuntimeException e) {
            branches.remove(branch.transactionId, branch);
            throw e;
        }
        try {
            branch.open(new BranchXid(branch.transactionId, branchId), dataSource.getXAConnection(), lockWaitTimeout);
            log.info("Branch {} of transaction {} started", branchId, branch.transactionId);
        } catch (Exception e) {
            // Registered but unusable: remember a rollback so the coordinator's prepare hears no.
            branch.closeQuietly();
            end(branch, Status.ROLLED_BACK);
            throw new IllegalStateException("could not start an XA branch in the service's database: " + e.getMessage(), e);
        }
    }

    void leave(XaBranch branch, @Nullable String failure) {
        if (failure != null) {
            branch.markFailed(failure);
        }
        branch.lock.unlock();
    }

    public PrepareVote prepare(String transactionId, String branchId) {
        try (var ignored = MDC.putCloseable("txId", transactionId)) {
            XaBranch branch = find(transactionId, branchId);
            if (branch == null) {
                Status ended = outcomes.get(transactionId);
                return PrepareVote.abort(ended == Status.ROLLED_BACK
                        ? "the branch was already rolled back here (timeout or an earlier rollback)"
                        : "this participant holds no work of the transaction (it restarted, or the work never arrived)");
            }
            if (!tryLock(branch)) {
                return PrepareVote.abort("business work was still running in the branch after " + lockTimeout);
            }
            try {
                return switch (branch.status) {
                    case PREPARED -> PrepareVote.prepared();
                    case READ_ONLY -> PrepareVote.readOnly();
                    case ACTIVE -> prepareActive(branch);
                    case ROLLBACK_ONLY -> {
                        rollBackActive(branch);
                        yield PrepareVote.abort("the business work failed: " + branch.failure);
                    }
                    case NEW, COMMITTED, ROLLED_BACK -> PrepareVote.abort("the branch is " + branch.status);
                };
            } finally {
                branch.lock.unlock();
            }
        }
    }

    private PrepareVote prepareActive(XaBranch branch) {
        XAResource resource = resourceOf(branch);
        try {
            resource.end(branch.xid, XAResource.TMSUCCESS);
            if (resource.prepare(branch.xid) == XAResource.XA_RDONLY) {
                end(branch, Status.READ_ONLY);
                return PrepareVote.readOnly();
            }
            branch.status = Status.PREPARED;
            log.info("Branch {} of transaction {} prepared", branch.branchId(), branch.transactionId);
            return PrepareVote.prepared();
        } catch (XAException e) {
            String why = "the database refused to prepare: " + describe(e);
            log.warn("Branch {} of transaction {}: {}", branch.branchId(), branch.transactionId, why);
            rollBackActive(branch);
            return PrepareVote.abort(why);
        }
    }

    public void commit(String transactionId, String branchId) {
        try (var ignored = MDC.putCloseable("txId", transactionId)) {
            XaBranch branch = find(transactionId, branchId);
            if (branch == null) {
                Status ended = outcomes.get(transactionId);
                if (ended == Status.COMMITTED || ended == Status.READ_ONLY) {
                    return;
                }
                if (ended == Status.ROLLED_BACK) {
                    throw new IllegalStateException("branch " + branchId + " of transaction " + transactionId
                            + " was rolled back here and cannot be committed");
                }
                throw new UnknownBranchException("this participant has no record of branch " + branchId
                        + " of transaction " + transactionId + " and cannot prove it committed");
            }
            if (!tryLock(branch)) {
                throw new BranchBusyException("the branch is still in use; retry");
            }
            try {
                switch (branch.status) {
                    case PREPARED -> {
                        resourceOf(branch).commit(branch.xid, false);
                        end(branch, Status.COMMITTED);
                        log.info("Branch {} of transaction {} committed", branchId, transactionId);
                    }
                    case COMMITTED, READ_ONLY -> {
                    }
                    default -> throw new IllegalStateException("branch " + branchId + " of transaction " + transactionId
                            + " is " + branch.status + " and was never prepared; commit comes only after a yes vote");
                }
            } catch (XAException e) {
                throw new IllegalStateException("the database failed to commit the prepared branch: " + describe(e), e);
            } finally {
                branch.lock.unlock();
            }
        }
    }

    public void rollback(String transactionId, String branchId) {
        try (var ignored = MDC.putCloseable("txId", transactionId)) {
            XaBranch branch = find(transactionId, branchId);
            if (branch == null) {
                // Remember the rollback even for a branch we never saw: work that arrives late is refused.
                outcomes.putIfAbsent(transactionId, Status.ROLLED_BACK);
                if (outcomes.get(transactionId) == Status.COMMITTED) {
                    throw new IllegalStateException("branch " + branchId + " of transaction " + transactionId
                            + " was committed here and cannot be rolled back");
                }
                return;
            }
            if (!tryLock(branch)) {
                throw new BranchBusyException("business work is still running in the branch; retry");
            }
            try {
                switch (branch.status) {
                    case NEW, ACTIVE, ROLLBACK_ONLY -> rollBackActive(branch);
                    case PREPARED -> {
                        resourceOf(branch).rollback(branch.xid);
                        end(branch, Status.ROLLED_BACK);
                        log.info("Branch {} of transaction {} rolled back", branchId, transactionId);
                    }
                    case ROLLED_BACK, READ_ONLY -> {
                    }
                    case COMMITTED -> throw new IllegalStateException("branch " + branchId + " of transaction "
                            + transactionId + " was committed here and cannot be rolled back");
                }
            } catch (XAException e) {
                throw new IllegalStateException("the database failed to roll back the prepared branch: " + describe(e), e);
            } finally {
                branch.lock.unlock();
            }
        }
    }

    private void rollBackActive(XaBranch branch) {
        XAResource resource = branch.resource;
        if (resource != null) {
            try {
                resource.end(branch.xid, XAResource.TMFAIL);
            } catch (XAException alreadyEnded) {
                log.debug("end(TMFAIL) of transaction {}: {}", branch.transactionId, describe(alreadyEnded));
            }
            try {
                resource.rollback(branch.xid);
            } catch (XAException e) {
                // The connection is closed below, which makes the database drop the unprepared work anyway.
                log.warn("Rolling back branch {} of transaction {} failed ({}); closing its connection drops the work",
                        branch.branchId(), branch.transactionId, describe(e));
            }
        }
        end(branch, Status.ROLLED_BACK);
        log.info("Branch {} of transaction {} rolled back before prepare", branch.branchId(), branch.transactionId);
    }

    private void end(XaBranch branch, Status outcome) {
        branch.status = outcome;
        outcomes.put(branch.transactionId, outcome);
        branches.remove(branch.transactionId, branch);
        branch.closeQuietly();
    }

    private void rollBackExpired() {
        Instant deadline = clock.instant().minus(branchTimeout);
        for (XaBranch branch : branches.values()) {
            if (branch.createdAt.isBefore(deadline) && (branch.status == Status.ACTIVE || branch.status == Status.ROLLBACK_ONLY)
                    && branch.lock.tryLock()) {
                try (var ignored = MDC.putCloseable("txId", branch.transactionId)) {
                    if (branch.status == Status.ACTIVE || branch.status == Status.ROLLBACK_ONLY) {
                        log.warn("Branch {} of transaction {} was not prepared within {}; rolling it back",
                                branch.branchId(), branch.transactionId, branchTimeout);
                        rollBackActive(branch);
                    }
                } catch (RuntimeException e) {
                    log.warn("Rolling back expired branch of transaction {} failed", branch.transactionId, e);
                } finally {
                    branch.lock.unlock();
                }
            }
        }
    }

    private @Nullable XaBranch find(String transactionId, String branchId) {
        XaBranch branch = branches.get(transactionId);
        return branch != null && branch.branchId().equals(branchId) ? branch : null;
    }

    private void lock(XaBranch branch) {
        if (!tryLock(branch)) {
            throw new BranchBusyException("another request of global transaction " + branch.transactionId
                    + " has held this participant's branch for over " + lockTimeout);
        }
    }

    private boolean tryLock(XaBranch branch) {
        try {
            return branch.lock.tryLock(lockTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static XAResource resourceOf(XaBranch branch) {
        if (branch.resource == null) {
            throw new IllegalStateException("branch of transaction " + branch.transactionId + " was never started");
        }
        return branch.resource;
    }

    private static String describe(XAException e) {
        String message = e.getMessage() == null ? "" : e.getMessage() + " ";
        Throwable cause = e.getCause();
        return message + "(XA error code " + e.errorCode + (cause == null ? "" : ", " + cause.getMessage()) + ")";
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }

    /**
     * A thread's part in a global transaction for the length of one request. The branch is joined only
     * when the request first asks for a connection, so requests that never touch the database do not
     * register a branch.
     */
    public static final class Enlistment implements AutoCloseable {

        private static final ThreadLocal<@Nullable Enlistment> CURRENT = new ThreadLocal<>();

        private final BranchManager manager;
        private final String transactionId;
        private final @Nullable Enlistment previous;
        private @Nullable XaBranch branch;
        private @Nullable String failure;

        private Enlistment(BranchManager manager, String transactionId) {
            this.manager = manager;
            this.transactionId = transactionId;
            this.previous = CURRENT.get();
            CURRENT.set(this);
        }

        /** The enlistment of the current thread, or null outside a global transaction. */
        public static @Nullable Enlistment current() {
            return CURRENT.get();
        }

        public String transactionId() {
            return transactionId;
        }

        /** The branch's connection; joins the branch first if this request has not yet. */
        public Connection connection() {
            if (branch == null) {
                branch = manager.join(transactionId);
            }
            return java.util.Objects.requireNonNull(branch.connection);
        }

        /** Dooms the branch: the request failed, so the transaction must not commit this participant's work. */
        public void fail(String why) {
            failure = why;
        }

        @Override
        public void close() {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
            if (branch != null) {
                manager.leave(branch, failure);
            }
        }
    }
}
