package dev.verdict.participant;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
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
    private final PreparedBranches prepared;
    private final Registrar registrar;
    private final OutcomeInquiry inquiry;
    private final Settings settings;
    private final Clock clock;
    private final CrashPoints crashPoints;
    private final Map<String, XaBranch> branches = new ConcurrentHashMap<>();
    /** Outcomes of recently ended branches, so repeated calls get the same answer and late work is refused. */
    private final Map<String, BranchStatus> outcomes = Collections.synchronizedMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, BranchStatus> eldest) {
            return size() > REMEMBERED_OUTCOMES;
        }
    });
    /** When recovery first found a prepared branch whose transaction the coordinator does not know. */
    private final Map<BranchXid, Instant> unknownSince = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("verdict-branches").daemon().factory());
    private volatile Instant markersForgottenAt = Instant.EPOCH;

    /** Registers a new branch with the coordinator and answers the branch id it gave. */
    @FunctionalInterface
    public interface Registrar {
        String register(String transactionId);
    }

    /**
     * @param branchTimeout how long a branch may stay unprepared before it is rolled back
     * @param lockTimeout how long a coordinator call waits for a business request still working in the branch
     * @param lockWaitTimeout how long a statement in a branch waits for a database row lock before it fails
     * @param recoveryInterval how often prepared branches left without a live coordinator call are resolved
     * @param orphanTimeout how long a prepared branch that the coordinator has no record of is kept before rollback
     * @param markerRetention how long the commit marker of a branch is kept
     */
    public record Settings(Duration branchTimeout, Duration lockTimeout, Duration lockWaitTimeout,
            Duration recoveryInterval, Duration orphanTimeout, Duration markerRetention) {
    }

    private final Duration branchTimeout;
    private final Duration lockTimeout;

    public BranchManager(XADataSource dataSource, Registrar registrar, OutcomeInquiry inquiry, Settings settings, Clock clock) {
        this(dataSource, registrar, inquiry, settings, clock, CrashPoints.none());
    }

    /** A manager that halts at the crash point armed in {@code crashPoints}; for crash tests. */
    public BranchManager(XADataSource dataSource, Registrar registrar, OutcomeInquiry inquiry, Settings settings, Clock clock,
            CrashPoints crashPoints) {
        this.crashPoints = crashPoints;
        this.dataSource = dataSource;
        this.prepared = new PreparedBranches(dataSource);
        this.registrar = registrar;
        this.inquiry = inquiry;
        this.settings = settings;
        this.branchTimeout = settings.branchTimeout();
        this.lockTimeout = settings.lockTimeout();
        this.clock = clock;
    }

    /**
     * Makes the commit-marker table if it is missing, then starts the timers: the rollback of branches
     * past their timeout, and recovery of prepared branches (at once, for those a crash left behind).
     */
    public BranchManager start() throws SQLException {
        prepared.createMarkerTable();
        long sweep = Math.max(100, Math.min(1000, branchTimeout.toMillis() / 4));
        timers.scheduleWithFixedDelay(this::rollBackExpired, sweep, sweep, TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(this::recoverPrepared, 0, settings.recoveryInterval().toMillis(), TimeUnit.MILLISECONDS);
        return this;
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
        BranchStatus ended = outcomes.get(transactionId);
        if (ended != null) {
            throw new BranchRefusedException("global transaction " + transactionId + " has already ended here ("
                    + ended + "); no more work can join it");
        }
        XaBranch branch = branches.computeIfAbsent(transactionId, id -> new XaBranch(id, clock.instant()));
        lock(branch);
        try {
            if (branch.status() == BranchStatus.NEW) {
                open(branch);
            } else if (!branch.status().acceptsWork()) {
                throw new BranchRefusedException("the branch of global transaction " + transactionId + " is "
                        + branch.status() + (branch.failure == null ? "" : " (" + branch.failure + ")")
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
            branch.open(new BranchXid(branch.transactionId, branchId), dataSource.getXAConnection(), settings.lockWaitTimeout());
            log.info("Branch {} of transaction {} started", branchId, branch.transactionId);
        } catch (Exception e) {
            // Registered but unusable: remember a rollback so the coordinator's prepare hears no.
            branch.closeQuietly();
            end(branch, BranchStatus.ROLLED_BACK);
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
                BranchStatus ended = outcomes.get(transactionId);
                return PrepareVote.abort(ended == BranchStatus.ROLLED_BACK
                        ? "the branch was already rolled back here (timeout or an earlier rollback)"
                        : "this participant holds no work of the transaction (it restarted, or the work never arrived)");
            }
            if (!tryLock(branch)) {
                return PrepareVote.abort("business work was still running in the branch after " + lockTimeout);
            }
            try {
                return switch (branch.status()) {
                    case PREPARED -> PrepareVote.prepared();
                    case READ_ONLY -> PrepareVote.readOnly();
                    case ACTIVE -> prepareActive(branch);
                    case ROLLBACK_ONLY -> {
                        rollBackActive(branch);
                        yield PrepareVote.abort("the business work failed: " + branch.failure);
                    }
                    case NEW, COMMITTED, ROLLED_BACK -> PrepareVote.abort("the branch is " + branch.status());
                };
            } finally {
                branch.lock.unlock();
            }
        }
    }

    private PrepareVote prepareActive(XaBranch branch) {
        XAResource resource = resourceOf(branch);
        try {
            PreparedBranches.writeMarker(java.util.Objects.requireNonNull(branch.connection), branch.xid, clock.instant());
            resource.end(branch.xid, XAResource.TMSUCCESS);
            resource.prepare(branch.xid);
            branch.moveTo(BranchStatus.PREPARED);
            log.info("Branch {} of transaction {} prepared", branch.branchId(), branch.transactionId);
            crashPoints.reach(CrashPoints.AFTER_PREPARE);
            return PrepareVote.prepared();
        } catch (SQLException e) {
            String why = "the database refused the branch's commit marker: " + e.getMessage();
            log.warn("Branch {} of transaction {}: {}", branch.branchId(), branch.transactionId, why);
            rollBackActive(branch);
            return PrepareVote.abort(why);
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
                BranchStatus ended = outcomes.get(transactionId);
                if (ended == BranchStatus.COMMITTED || ended == BranchStatus.READ_ONLY) {
                    return;
                }
                if (ended == BranchStatus.ROLLED_BACK) {
                    throw new IllegalStateException("branch " + branchId + " of transaction " + transactionId
                            + " was rolled back here and cannot be committed");
                }
                commitFromDatabase(new BranchXid(transactionId, branchId));
                return;
            }
            if (!tryLock(branch)) {
                throw new BranchBusyException("the branch is still in use; retry");
            }
            try {
                switch (branch.status()) {
                    case PREPARED -> {
                        resourceOf(branch).commit(branch.xid, false);
                        end(branch, BranchStatus.COMMITTED);
                        log.info("Branch {} of transaction {} committed", branchId, transactionId);
                        crashPoints.reach(CrashPoints.AFTER_COMMIT);
                    }
                    case COMMITTED, READ_ONLY -> {
                    }
                    default -> throw new IllegalStateException("branch " + branchId + " of transaction " + transactionId
                            + " is " + branch.status() + " and was never prepared; commit comes only after a yes vote");
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
                rollbackFromDatabase(new BranchXid(transactionId, branchId));
                return;
            }
            if (!tryLock(branch)) {
                throw new BranchBusyException("business work is still running in the branch; retry");
            }
            try {
                switch (branch.status()) {
                    case NEW, ACTIVE, ROLLBACK_ONLY -> rollBackActive(branch);
                    case PREPARED -> {
                        resourceOf(branch).rollback(branch.xid);
                        end(branch, BranchStatus.ROLLED_BACK);
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

    /**
     * Commit of a branch this process does not hold (it restarted since the prepare, or the commit is a
     * repeat): commits it if the database holds it prepared, succeeds if its marker proves it committed,
     * and otherwise says that it cannot vouch for the outcome, never that it committed.
     */
    private void commitFromDatabase(BranchXid xid) {
        try {
            if (prepared.resolve(xid, true)) {
                log.info("Branch {} of transaction {} committed from the database's prepared list", xid.branchId(), xid.transactionId());
            } else if (!prepared.committed(xid)) {
                throw new UnknownBranchException("this participant's database holds no prepared branch " + xid.branchId()
                        + " of transaction " + xid.transactionId() + " and no record that it committed;"
                        + " its outcome is unknown");
            }
            outcomes.put(xid.transactionId(), BranchStatus.COMMITTED);
            unknownSince.remove(xid);
            crashPoints.reach(CrashPoints.AFTER_COMMIT);
        } catch (SQLException | XAException e) {
            throw new IllegalStateException("could not commit branch " + xid.branchId() + " from the database: " + e, e);
        }
    }

    private void rollbackFromDatabase(BranchXid xid) {
        try {
            if (prepared.resolve(xid, false)) {
                log.info("Branch {} of transaction {} rolled back from the database's prepared list", xid.branchId(), xid.transactionId());
            } else if (prepared.committed(xid)) {
                throw new IllegalStateException("branch " + xid.branchId() + " of transaction " + xid.transactionId()
                        + " was committed here and cannot be rolled back");
            }
            // Remembered even for a branch never seen here: work of the transaction that arrives late is refused.
            outcomes.putIfAbsent(xid.transactionId(), BranchStatus.ROLLED_BACK);
            unknownSince.remove(xid);
        } catch (SQLException | XAException e) {
            throw new IllegalStateException("could not roll back branch " + xid.branchId() + " from the database: " + e, e);
        }
    }

    /**
     * Resolves branches the database holds prepared that no live call will finish: those a crash of this
     * service left behind, or whose coordinator was unreachable. Asks the coordinator for each outcome;
     * a branch of ours the coordinator has no record of is rolled back only after {@code orphanTimeout}.
     */
    void recoverPrepared() {
        List<BranchXid> found;
        try {
            found = prepared.list();
            forgetOldMarkers();
        } catch (SQLException | XAException | RuntimeException e) {
            log.warn("Recovery could not list the prepared branches: {}", e.toString());
            return;
        }
        for (BranchXid xid : found) {
            XaBranch live = branches.get(xid.transactionId());
            if (live != null && live.branchId().equals(xid.branchId())) {
                continue;
            }
            try (var ignored = MDC.putCloseable("txId", xid.transactionId())) {
                recover(xid);
            } catch (RuntimeException e) {
                log.warn("Recovery of branch {} of transaction {} failed, will retry: {}", xid.branchId(), xid.transactionId(), e.toString());
            }
        }
    }

    private void recover(BranchXid xid) {
        if (!inquiry.isOwnTransaction(xid.transactionId())) {
            log.debug("Prepared branch {} belongs to another coordinator; leaving it alone", xid);
            return;
        }
        switch (inquiry.outcomeOf(xid.transactionId())) {
            case COMMIT -> commitFromDatabase(xid);
            case ABORT -> rollbackFromDatabase(xid);
            case PENDING -> log.info("Prepared branch {} of transaction {} waits for the coordinator's decision",
                    xid.branchId(), xid.transactionId());
            case UNKNOWN -> {
                Instant since = unknownSince.computeIfAbsent(xid, key -> clock.instant());
                if (since.plus(settings.orphanTimeout()).isBefore(clock.instant())) {
                    log.warn("Rolling back orphan branch {} of transaction {}: the coordinator has had no record of it since {}",
                            xid.branchId(), xid.transactionId(), since);
                    rollbackFromDatabase(xid);
                } else {
                    log.warn("Prepared branch {} of transaction {} is unknown to the coordinator; rolled back after {} unless it turns up",
                            xid.branchId(), xid.transactionId(), settings.orphanTimeout());
                }
            }
        }
    }

    private void forgetOldMarkers() throws SQLException {
        Instant now = clock.instant();
        if (markersForgottenAt.plus(Duration.ofHours(1)).isBefore(now)) {
            markersForgottenAt = now;
            prepared.forgetMarkersOlderThan(now.minus(settings.markerRetention()));
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
        end(branch, BranchStatus.ROLLED_BACK);
        log.info("Branch {} of transaction {} rolled back before prepare", branch.branchId(), branch.transactionId);
    }

    private void end(XaBranch branch, BranchStatus outcome) {
        branch.moveTo(outcome);
        outcomes.put(branch.transactionId, outcome);
        branches.remove(branch.transactionId, branch);
        branch.closeQuietly();
    }

    private void rollBackExpired() {
        Instant deadline = clock.instant().minus(branchTimeout);
        for (XaBranch branch : branches.values()) {
            if (branch.createdAt.isBefore(deadline) && branch.status().awaitsPrepare()
                    && branch.lock.tryLock()) {
                try (var ignored = MDC.putCloseable("txId", branch.transactionId)) {
                    if (branch.status().awaitsPrepare()) {
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
        timers.shutdownNow();
    }

    /**
     * What the death of the process does to its branches: memory gone, and only what the database holds
     * remains. For tests that cannot kill a JVM. The connections are abandoned rather than closed,
     * because an orderly close makes H2 roll back prepared work that a dead process leaves in doubt.
     */
    void loseEverythingAsACrashWould() {
        timers.shutdownNow();
        branches.clear();
        outcomes.clear();
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
