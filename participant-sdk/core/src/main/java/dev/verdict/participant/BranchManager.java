package dev.verdict.participant;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.XADataSource;

import org.jspecify.annotations.Nullable;

/**
 * Keeps this participant's XA branches: one per global transaction, opened on the first business call
 * that touches the database, held across calls until the coordinator's prepare (or prepared as the
 * request ends, with {@code prepareAtRequestEnd}), and ended by its commit or rollback. Every coordinator call is idempotent, and a branch the coordinator never comes
 * back for is rolled back once {@code branchTimeout} has passed without a prepare.
 *
 * <p>This class only wires the parts together: {@link BusinessCalls} and {@link CoordinatorCalls} for
 * the two kinds of callers, {@link BranchRegistry} for what is live and what ended, {@link XaBranch}
 * for one branch on a connection from {@link BranchConnections}, and {@link ExpiryTimer},
 * {@link PreparedBranchRecovery} and {@link AbandonedBranches} for the timers.
 */
public final class BranchManager implements AutoCloseable {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(BranchManager.class);

    private final Settings settings;
    private final PreparedBranches prepared;
    private final BranchConnections connections;
    private final BranchRegistry registry;
    private final BusinessCalls business;
    private final CoordinatorCalls coordinator;
    private final PreparedBranchRecovery recovery;
    private final AbandonedBranches abandoned;
    private final ExpiryTimer expiry;
    /** Two threads, so that a slow answer from the coordinator to recovery does not hold up the expiry timer. */
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2,
            Thread.ofPlatform().name("verdict-branches-", 1).daemon().factory());

    /** Registers branches with the coordinator. */
    @FunctionalInterface
    public interface Registrar {

        /** Registers a new branch and answers the branch id the coordinator gave it. */
        String register(String transactionId);

        /**
         * Registers a branch this participant has prepared already, under {@code branchId}. Throws
         * {@link BranchRefusedException} when the coordinator refused it (the branch is then rolled back here);
         * any other exception leaves the outcome unknown (the branch stays prepared, for recovery to settle).
         */
        default void registerPrepared(String transactionId, String branchId) {
            throw new UnsupportedOperationException("this registrar cannot register prepared branches");
        }

        /**
         * A receipt for a branch this participant has prepared under {@code branchId}, for the client to carry to
         * the coordinator instead of registering the branch; null when this participant cannot issue one (then
         * it registers the branch).
         */
        default @Nullable String receipt(String transactionId, String branchId) {
            return null;
        }
    }

    /**
     * @param branchTimeout how long a branch may stay unprepared before it is rolled back
     * @param lockTimeout how long a coordinator call or a request waits for another request still working in the
     *        branch, and a new branch for a free connection
     * @param lockWaitTimeout how long a statement in a branch waits for a database row lock before it fails
     * @param recoveryInterval how often prepared branches left without a live coordinator call are resolved
     * @param orphanTimeout how long a prepared branch that the coordinator has no record of is kept before rollback
     * @param abandonedBranchCheck how long a branch may stay unprepared before recovery asks the coordinator
     *        about it, rolling it back at once if the transaction aborted or is unknown there
     * @param markerRetention how long the commit marker of a branch is kept
     * @param maxBranchConnections how many XA connections the open branches may hold at once; a new branch
     *        waits up to {@code lockTimeout} for one to come free
     * @param prepareAtRequestEnd whether a business request prepares its branch when it ends and registers it
     *        prepared (one request per transaction; the coordinator then makes no prepare call), rather than
     *        registering it first and waiting for the coordinator's prepare
     */
    public record Settings(Duration branchTimeout, Duration lockTimeout, Duration lockWaitTimeout,
            Duration recoveryInterval, Duration orphanTimeout, Duration abandonedBranchCheck, Duration markerRetention,
            int maxBranchConnections, boolean prepareAtRequestEnd) {

        public Settings {
            if (abandonedBranchCheck.isNegative() || abandonedBranchCheck.isZero()) {
                throw new IllegalArgumentException("abandonedBranchCheck must be longer than zero, but was " + abandonedBranchCheck);
            }
            if (maxBranchConnections < 1) {
                throw new IllegalArgumentException("maxBranchConnections must be at least 1, but was " + maxBranchConnections);
            }
        }
    }

    public BranchManager(XADataSource dataSource, Registrar registrar, OutcomeInquiry inquiry, Settings settings, Clock clock) {
        this(dataSource, registrar, inquiry, settings, clock, CrashPoints.none());
    }

    /** A manager that halts at the crash point armed in {@code crashPoints}; for crash tests. */
    public BranchManager(XADataSource dataSource, Registrar registrar, OutcomeInquiry inquiry, Settings settings, Clock clock,
            CrashPoints crashPoints) {
        this.settings = settings;
        this.prepared = new PreparedBranches(dataSource);
        this.connections = new BranchConnections(dataSource, settings.maxBranchConnections(), settings.lockTimeout(),
                settings.lockWaitTimeout());
        this.registry = new BranchRegistry(clock);
        this.business = new BusinessCalls(registry, connections, registrar, settings, crashPoints, clock);
        this.recovery = new PreparedBranchRecovery(prepared, registry, inquiry, crashPoints, clock,
                settings.orphanTimeout(), settings.markerRetention());
        this.coordinator = new CoordinatorCalls(registry, recovery, crashPoints, clock, settings.lockTimeout());
        this.abandoned = new AbandonedBranches(registry, coordinator, inquiry, clock, settings.abandonedBranchCheck(),
                settings.orphanTimeout());
        this.expiry = new ExpiryTimer(registry, settings.branchTimeout(), clock);
    }

    /**
     * Makes the commit-marker table if it is missing, then starts the timers: the rollback of branches
     * past their timeout, and recovery (at once, for the prepared branches a crash left behind).
     */
    public BranchManager start() throws SQLException {
        prepared.createMarkerTable();
        long sweep = expiry.sweepInterval().toMillis();
        timers.scheduleWithFixedDelay(expiry::run, sweep, sweep, TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(this::recover, 0, settings.recoveryInterval().toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Opens the request-long enlistment of the current thread in a global transaction. */
    public Enlistment enlist(String transactionId) {
        return enlist(transactionId, false);
    }

    /**
     * As {@link #enlist(String)}; with {@code receiptWanted} (the client collects receipts), a branch prepared as
     * the request ends is answered with a receipt instead of registered.
     */
    public Enlistment enlist(String transactionId, boolean receiptWanted) {
        return new Enlistment(business, transactionId, receiptWanted);
    }

    /** Whether business requests prepare their branch as they end (see {@link Settings#prepareAtRequestEnd}). */
    public boolean preparesAtRequestEnd() {
        return settings.prepareAtRequestEnd();
    }

    /** Branches currently held open (active or prepared). */
    public int openBranches() {
        return registry.size();
    }

    public PrepareVote prepare(String transactionId, String branchId) {
        return coordinator.prepare(transactionId, branchId);
    }

    public void commit(String transactionId, String branchId) {
        coordinator.commit(transactionId, branchId);
    }

    public void rollback(String transactionId, String branchId) {
        coordinator.rollback(transactionId, branchId);
    }

    /**
     * One pass of the periodic recovery: prepared branches no live call will finish, then unprepared
     * branches whose transaction the coordinator may have given up. Run by the timer; tests call it.
     */
    void recover() {
        recovery.run();
        abandoned.run();
    }

    /** What the pool of branch connections has done so far; for tests. */
    BranchConnections.Stats connectionStats() {
        return connections.stats();
    }

    @Override
    public void close() {
        timers.shutdownNow();
        try {
            // A recovery pass under way finishes before the connections go, rather than fail half-way.
            if (!timers.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("A branch timer was still running ten seconds after close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connections.close();
    }

    /**
     * What the death of the process does to its branches: memory gone, and only what the database holds
     * remains. For tests that cannot kill a JVM. The branches' connections are abandoned rather than
     * closed or given back, because an orderly close makes H2 roll back prepared work that a dead process
     * leaves in doubt.
     */
    void loseEverythingAsACrashWould() {
        timers.shutdownNow();
        registry.forgetEverything();
    }
}
