package dev.verdict.participant;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAException;

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
    /** A connection given back this recently is lent again without asking the database whether it is alive. */
    private static final Duration TRUSTED_AFTER_USE = Duration.ofMillis(500);

    private final GenericObjectPool<XAConnection> pool;
    private final int maxConnections;
    private final Duration maxWait;

    /** How many physical connections the pool has opened and closed, and holds now. */
    record Stats(long created, long destroyed, int idle, int active) {
    }

    /** What a branch does first on the connection it is lent: starting its XA branch. */
    interface Start {
        void on(XAConnection connection) throws SQLException, XAException;
    }

    /** Connections lent without a check since their last use; read once by {@link #borrowStarted}. */
    private final Set<XAConnection> lentUnchecked = ConcurrentHashMap.newKeySet();

    /**
     * @param lockWaitTimeout set once on each new connection, for the whole session: how long a statement of a
     *                        branch waits for a row lock before it fails
     */
    BranchConnections(XADataSource dataSource, int maxConnections, Duration maxWait, Duration lockWaitTimeout) {
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
        this.pool = new GenericObjectPool<>(new Factory(dataSource, lockWaitTimeout, lentUnchecked), config);
    }

    /**
     * A connection for a new branch, on which {@code start} ran, waiting at most {@code maxWait} for one to come
     * free. A connection that fails to start is destroyed. One that was lent without a check (it was in use a
     * moment ago) and fails means the database most likely dropped its connections (a restart): the idle ones
     * are closed too, and the branch starts once more, on a new connection.
     */
    XAConnection borrowStarted(Start start) throws SQLException, XAException {
        XAConnection connection = borrow();
        boolean trusted = lentUnchecked.remove(connection);
        try {
            start.on(connection);
            return connection;
        } catch (SQLException | XAException | RuntimeException e) {
            if (!trusted) {
                destroy(connection);
                throw e;
            }
            log.debug("A connection lent unchecked failed to start a branch; starting it on a new one: {}", e.toString());
            // the idle ones first: the pool replaces a destroyed connection with a new idle one at once
            pool.clear();
            destroy(connection);
        }
        XAConnection fresh = borrow();
        lentUnchecked.remove(fresh);
        try {
            start.on(fresh);
            return fresh;
        } catch (SQLException | XAException | RuntimeException e) {
            destroy(fresh);
            throw e;
        }
    }

    private XAConnection borrow() throws SQLException {
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
        private final Duration lockWaitTimeout;
        private final Set<XAConnection> lentUnchecked;

        Factory(XADataSource dataSource, Duration lockWaitTimeout, Set<XAConnection> lentUnchecked) {
            this.dataSource = dataSource;
            this.lockWaitTimeout = lockWaitTimeout;
            this.lentUnchecked = lentUnchecked;
        }

        @Override
        public XAConnection create() throws SQLException {
            XAConnection connection = dataSource.getXAConnection();
            try (Connection session = connection.getConnection()) {
                limitLockWaits(session, lockWaitTimeout);
            } catch (SQLException | RuntimeException e) {
                connection.close();
                throw e;
            }
            return connection;
        }

        /**
         * Row locks of a branch are held until the coordinator's phase 2, so two global transactions that
         * lock rows in two databases in opposite order wait for each other forever, and neither database can
         * see the cycle. A bounded lock wait turns that distributed deadlock into a failed business call. It
         * is a setting of the session, made once: a service that changes it gets its connection closed after
         * its branch (see {@link GuardedConnection}).
         */
        private static void limitLockWaits(Connection session, Duration timeout) throws SQLException {
            String sql = switch (session.getMetaData().getDatabaseProductName()) {
                case "PostgreSQL" -> "SET lock_timeout = '" + timeout.toMillis() + "ms'";
                case "H2" -> "SET LOCK_TIMEOUT " + timeout.toMillis();
                default -> null;
            };
            if (sql != null) {
                try (Statement statement = session.createStatement()) {
                    statement.execute(sql);
                }
            }
        }

        @Override
        public PooledObject<XAConnection> wrap(XAConnection connection) {
            return new DefaultPooledObject<>(connection);
        }

        /**
         * A connection that sat idle may have been cut since (a database restart), so it is asked before a
         * branch relies on it: one round trip, where a broken connection would fail the business call. One
         * made just now, or given back less than {@link BranchConnections#TRUSTED_AFTER_USE} ago, is trusted
         * without the round trip (as HikariCP does): under load that is every borrow. Should it be broken after
         * all, the branch fails to start on it and {@link BranchConnections#borrowStarted} starts it on a new one.
         */
        @Override
        public boolean validateObject(PooledObject<XAConnection> pooled) {
            if (pooled.getBorrowedCount() <= 1) {
                return true;
            }
            if (pooled.getIdleDuration().compareTo(TRUSTED_AFTER_USE) < 0) {
                lentUnchecked.add(pooled.getObject());
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
