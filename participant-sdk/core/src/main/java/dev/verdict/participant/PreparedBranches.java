package dev.verdict.participant;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * What the participant's database itself knows about our branches, which survives any crash of the
 * service: the branches it holds prepared ({@code XAResource.recover}), and a marker row written
 * inside every branch at prepare, so that the marker exists exactly when the branch committed.
 */
final class PreparedBranches {

    static final String MARKER_TABLE = "verdict_committed_branch";

    private final XADataSource dataSource;

    PreparedBranches(XADataSource dataSource) {
        this.dataSource = dataSource;
    }

    void createMarkerTable() throws SQLException {
        withConnection(connection -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE IF NOT EXISTS " + MARKER_TABLE + " ("
                        + "transaction_id VARCHAR(64) NOT NULL, branch_id VARCHAR(64) NOT NULL, "
                        + "prepared_at TIMESTAMP WITH TIME ZONE NOT NULL, PRIMARY KEY (transaction_id, branch_id))");
            }
            return null;
        });
    }

    /** Written on the branch's own connection just before prepare, so it commits or vanishes with the branch. */
    static void writeMarker(Connection branch, BranchXid xid, Instant now) throws SQLException {
        try (PreparedStatement insert = branch.prepareStatement(
                "INSERT INTO " + MARKER_TABLE + " (transaction_id, branch_id, prepared_at) VALUES (?, ?, ?)")) {
            insert.setString(1, xid.transactionId());
            insert.setString(2, xid.branchId());
            insert.setTimestamp(3, Timestamp.from(now));
            insert.executeUpdate();
        }
    }

    boolean committed(BranchXid xid) throws SQLException {
        return withConnection(connection -> {
            try (PreparedStatement query = connection.prepareStatement(
                    "SELECT COUNT(*) FROM " + MARKER_TABLE + " WHERE transaction_id = ? AND branch_id = ?")) {
                query.setString(1, xid.transactionId());
                query.setString(2, xid.branchId());
                try (ResultSet result = query.executeQuery()) {
                    result.next();
                    return result.getLong(1) > 0;
                }
            }
        });
    }

    int forgetMarkersOlderThan(Instant cutoff) throws SQLException {
        return withConnection(connection -> {
            try (PreparedStatement delete = connection.prepareStatement(
                    "DELETE FROM " + MARKER_TABLE + " WHERE prepared_at < ?")) {
                delete.setTimestamp(1, Timestamp.from(cutoff));
                return delete.executeUpdate();
            }
        });
    }

    /** Our branches that the database holds prepared; branches of other transaction managers are left out. */
    List<BranchXid> list() throws SQLException, XAException {
        XAConnection xa = dataSource.getXAConnection();
        try {
            List<BranchXid> ours = new ArrayList<>();
            for (Xid xid : recover(xa.getXAResource())) {
                BranchXid branch = BranchXid.from(xid);
                if (branch != null) {
                    ours.add(branch);
                }
            }
            return ours;
        } finally {
            xa.close();
        }
    }

    /**
     * Commits or rolls back a branch the database holds prepared, from a connection of its own.
     * Answers false if the database holds no such prepared branch.
     */
    boolean resolve(BranchXid xid, boolean commit) throws SQLException, XAException {
        XAConnection xa = dataSource.getXAConnection();
        try {
            XAResource resource = xa.getXAResource();
            // Scanning first also tells drivers such as H2's that this connection now acts on prepared branches.
            for (Xid prepared : recover(resource)) {
                if (xid.sameAs(prepared)) {
                    if (commit) {
                        resource.commit(prepared, false);
                    } else {
                        resource.rollback(prepared);
                    }
                    return true;
                }
            }
            return false;
        } finally {
            xa.close();
        }
    }

    private static Xid[] recover(XAResource resource) throws XAException {
        Xid[] xids = resource.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN);
        return xids == null ? new Xid[0] : xids;
    }

    private interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private <T> T withConnection(Work<T> work) throws SQLException {
        XAConnection xa = dataSource.getXAConnection();
        try (Connection connection = xa.getConnection()) {
            connection.setAutoCommit(true);
            return work.run(connection);
        } finally {
            xa.close();
        }
    }
}
