package dev.verdict.participant;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.NoSuchElementException;

import javax.sql.XAConnection;
import javax.sql.XADataSource;

import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The XA connections that branches work on, pooled, so that a global transaction no longer costs a
 * full database connect. A branch borrows one when it opens, holds it until phase 2 and gives it back
 * after its commit or rollback; one on which anything failed, or whose branch was abandoned, is
 * destroyed instead. Recovery scans and marker queries do not come from here (see {@link PreparedBranches}).
 */
final class BranchConnections implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BranchConnections.class);
    private static final int VALIDATION_TIMEOUT_SECONDS = 5;
    /** Idle connections are closed after this, so that a burst of transactions does not hold its connections for good. */
    private static final Duration IDLE_TIMEOUT = Duration.ofMinutes(10);

    private final GenericObjectPool<XAConnection> pool;
    private final int maxConnections;
    private final Duration maxWait;

    /** How many physical connections the pool has opened and closed, and holds now. */
    record Stats(long created, long destroyed, int idle, int active) {
    }

    BranchConnections(XADataSource dataSource, int maxConnections, Duration maxWait) {
        this.maxConnections = maxConnections;
        this.maxWait = maxWait;
        var config = new GenericObjectPoolConfig<XAConnection>();
        config.setMaxTotal(maxConnections);
        config.setMaxIdle(maxConnections);
        config.setBlockWhenExhausted(true);
        config.setMaxWait(maxWait);
        config.setTestOnBorrow(true);
        config.setTimeBetweenEvictionRuns(Duration.ofMinutes(1));
        config.setMinEvictableIdleDuration(IDLE_TIMEOUT);
        config.setJmxEnabled(false);
        this.pool = new GenericObjectPool<>(new Factory(dataSource), config);
    }

    /** A connection for a new branch, waiting at most {@code maxWait} for one to come free. */
    XAConnection borrow() throws SQLException {
        try {
            return pool.borrowObject();
        } catch (NoSuchElementException e) {
            throw new SQLException("all " + maxConnections + " XA connections for branches"
                    + " (verdict.participant.max-branch-connections) stayed in use by open global transactions for "
                    + maxWait + "; raise the limit, or let fewer transactions run at once", e);
        } catch (SQLException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new SQLException(e.getMessage(), e);
        }
    }

    /** Takes back the connection of a branch that ended cleanly, for the next branch. */
    void giveBack(XAConnection connection) {
        pool.returnObject(connection);
    }

    /** Closes a connection that must not serve another branch. */
    void destroy(XAConnection connection) {
        try {
            pool.invalidateObject(connection);
        } catch (Exception e) {
            log.debug("Closing a broken XA connection failed", e);
        }
    }

    Stats stats() {
        return new Stats(pool.getCreatedCount(), pool.getDestroyedCount(), pool.getNumIdle(), pool.getNumActive());
    }

    /** Closes the idle connections; those still held by branches stay open until their branch ends. */
    @Override
    public void close() {
        pool.close();
    }

    private static final class Factory extends BasePooledObjectFactory<XAConnection> {

        private final XADataSource dataSource;

        Factory(XADataSource dataSource) {
            this.dataSource = dataSource;
        }

        @Override
        public XAConnection create() throws SQLException {
            return dataSource.getXAConnection();
        }

        @Override
        public PooledObject<XAConnection> wrap(XAConnection connection) {
            return new DefaultPooledObject<>(connection);
        }

        /**
         * A connection that served an earlier branch may have been cut since (a database restart), so it is
         * asked before a branch relies on it: one round trip, where a broken connection would fail the
         * business call. One made just now is trusted, so that only a timeout can leave a borrow empty-handed.
         */
        @Override
        public boolean validateObject(PooledObject<XAConnection> pooled) {
            if (pooled.getBorrowedCount() <= 1) {
                return true;
            }
            try {
                Connection probe = pooled.getObject().getConnection();
                try {
                    return probe.isValid(VALIDATION_TIMEOUT_SECONDS);
                } finally {
                    probe.close();
                }
            } catch (SQLException e) {
                log.debug("An idle XA connection is broken and will be replaced: {}", e.toString());
                return false;
            }
        }

        @Override
        public void destroyObject(PooledObject<XAConnection> pooled) throws SQLException {
            pooled.getObject().close();
        }
    }
}
