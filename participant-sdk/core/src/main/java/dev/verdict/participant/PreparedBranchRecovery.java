package dev.verdict.participant;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.transaction.xa.XAException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Finishes branches the database holds prepared that no live call will finish: those a crash of this
 * service left behind, or whose coordinator was unreachable. Asks the coordinator for each outcome; a
 * branch of ours the coordinator has no record of is rolled back only after {@code orphanTimeout}.
 * Also answers the coordinator's commit or rollback of a branch this process no longer holds.
 */
final class PreparedBranchRecovery {

    private static final Logger log = LoggerFactory.getLogger(PreparedBranchRecovery.class);
    private static final Duration MARKER_SWEEP_INTERVAL = Duration.ofHours(1);

    private final PreparedBranches prepared;
    private final BranchRegistry registry;
    private final OutcomeInquiry inquiry;
    private final CrashPoints crashPoints;
    private final Clock clock;
    private final Duration orphanTimeout;
    private final Duration markerRetention;
    /** When recovery first found a prepared branch whose transaction the coordinator does not know. */
    private final Map<BranchXid, Instant> unknownSince = new ConcurrentHashMap<>();
    private volatile Instant markersForgottenAt = Instant.EPOCH;

    PreparedBranchRecovery(PreparedBranches prepared, BranchRegistry registry, OutcomeInquiry inquiry,
            CrashPoints crashPoints, Clock clock, Duration orphanTimeout, Duration markerRetention) {
        this.prepared = prepared;
        this.registry = registry;
        this.inquiry = inquiry;
        this.crashPoints = crashPoints;
        this.clock = clock;
        this.orphanTimeout = orphanTimeout;
        this.markerRetention = markerRetention;
    }

    void run() {
        List<BranchXid> found;
        try {
            found = prepared.list();
            forgetOldMarkers();
        } catch (SQLException | XAException | RuntimeException e) {
            log.warn("Recovery could not list the prepared branches: {}", e.toString());
            return;
        }
        for (BranchXid xid : found) {
            if (registry.holds(xid)) {
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
        switch (inquiry.outcomeOf(xid)) {
            case COMMIT -> commitFromDatabase(xid);
            case ABORT -> rollbackFromDatabase(xid);
            case PENDING -> log.info("Prepared branch {} of transaction {} waits for the coordinator's decision",
                    xid.branchId(), xid.transactionId());
            case UNKNOWN -> {
                Instant since = unknownSince.computeIfAbsent(xid, key -> clock.instant());
                if (since.plus(orphanTimeout).isBefore(clock.instant())) {
                    log.warn("Rolling back orphan branch {} of transaction {}: the coordinator has had no record of it since {}",
                            xid.branchId(), xid.transactionId(), since);
                    rollbackFromDatabase(xid);
                } else {
                    log.warn("Prepared branch {} of transaction {} is unknown to the coordinator; rolled back after {} unless it turns up",
                            xid.branchId(), xid.transactionId(), orphanTimeout);
                }
            }
        }
    }

    /**
     * Commit of a branch this process does not hold (it restarted since the prepare, or the commit is a
     * repeat): commits it if the database holds it prepared, succeeds if its marker proves it committed,
     * and otherwise says that it cannot vouch for the outcome, never that it committed.
     */
    /** Whether the branch's commit marker proves that it committed; false also when the database cannot say. */
    boolean provenCommitted(BranchXid xid) {
        try {
            return prepared.committed(xid);
        } catch (SQLException e) {
            log.warn("Could not read the commit marker of branch {} of transaction {}: {}", xid.branchId(), xid.transactionId(), e.toString());
            return false;
        }
    }

    /** Whether the database still holds the branch prepared; true also when it cannot say, the safe guess. */
    boolean stillPrepared(BranchXid xid) {
        try {
            return prepared.list().contains(xid);
        } catch (SQLException | XAException e) {
            log.warn("Could not list the prepared branches: {}", e.toString());
            return true;
        }
    }

    void commitFromDatabase(BranchXid xid) {
        try {
            if (prepared.committed(xid)) {
                rollBackGhost(xid);
            } else if (prepared.resolve(xid, true)) {
                log.info("Branch {} of transaction {} committed from the database's prepared list", xid.branchId(), xid.transactionId());
            } else if (!prepared.committed(xid)) { // read again: another process of the service may have committed it since
                throw new UnknownBranchException("this participant's database holds no prepared branch " + xid.branchId()
                        + " of transaction " + xid.transactionId() + " and no record that it committed;"
                        + " its outcome is unknown");
            }
            registry.remember(xid.transactionId(), BranchStatus.COMMITTED);
            unknownSince.remove(xid);
            crashPoints.reach(CrashPoints.AFTER_COMMIT);
        } catch (SQLException | XAException e) {
            throw new IllegalStateException("could not commit branch " + xid.branchId() + " from the database: " + e, e);
        }
    }

    /**
     * The marker commits with its branch, so a branch whose marker has committed is finished, and one the
     * database still lists as prepared under its id is not that branch. H2 can list a branch it has already
     * committed or rolled back once more after a later crash, attached to a transaction that reused its
     * internal id and never prepared; committing that entry would commit another request's half-done work.
     * It is rolled back instead, which is that work's right outcome anyway.
     */
    private void rollBackGhost(BranchXid xid) throws SQLException, XAException {
        if (prepared.resolve(xid, false)) {
            log.warn("Branch {} of transaction {} committed earlier, yet the database listed it as prepared again: rolled back"
                    + " that entry, which holds no work of the branch (it is not committed twice)", xid.branchId(), xid.transactionId());
        }
    }

    void rollbackFromDatabase(BranchXid xid) {
        try {
            if (prepared.resolve(xid, false)) {
                log.info("Branch {} of transaction {} rolled back from the database's prepared list", xid.branchId(), xid.transactionId());
            } else if (prepared.committed(xid)) {
                throw new IllegalStateException("branch " + xid.branchId() + " of transaction " + xid.transactionId()
                        + " was committed here and cannot be rolled back");
            }
            // Remembered even for a branch never seen here: work of the transaction that arrives late is refused.
            registry.rememberRollback(xid.transactionId());
            unknownSince.remove(xid);
        } catch (SQLException | XAException e) {
            throw new IllegalStateException("could not roll back branch " + xid.branchId() + " from the database: " + e, e);
        }
    }

    private void forgetOldMarkers() throws SQLException {
        Instant now = clock.instant();
        if (markersForgottenAt.plus(MARKER_SWEEP_INTERVAL).isBefore(now)) {
            markersForgottenAt = now;
            prepared.forgetMarkersOlderThan(now.minus(markerRetention));
        }
    }
}
