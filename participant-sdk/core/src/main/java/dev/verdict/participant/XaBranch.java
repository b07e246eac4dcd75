package dev.verdict.participant;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;

import org.jspecify.annotations.Nullable;

/**
 * This participant's branch of one global transaction: the XA connection it holds from the first
 * business call until phase 2, and where the branch stands. A business request or a coordinator call
 * holds {@link #lock} while it touches the branch.
 */
final class XaBranch {

    final String transactionId;
    final ReentrantLock lock = new ReentrantLock();
    final Instant createdAt;

    @Nullable BranchXid xid;
    @Nullable XAConnection xaConnection;
    @Nullable XAResource resource;
    @Nullable Connection connection;
    /** Changed only by {@link #moveTo}, under {@link #lock}; read without it by the timers. */
    private volatile BranchStatus status = BranchStatus.NEW;
    @Nullable String failure;

    XaBranch(String transactionId, Instant createdAt) {
        this.transactionId = transactionId;
        this.createdAt = createdAt;
    }

    void open(BranchXid xid, XAConnection xaConnection, Duration lockWaitTimeout) throws Exception {
        this.xid = xid;
        this.xaConnection = xaConnection;
        this.resource = xaConnection.getXAResource();
        resource.start(xid, XAResource.TMNOFLAGS);
        Connection physical = xaConnection.getConnection();
        limitLockWaits(physical, lockWaitTimeout);
        this.connection = guard(physical);
        moveTo(BranchStatus.ACTIVE);
    }

    /**
     * Row locks of a branch are held until the coordinator's phase 2, so two global transactions that
     * lock rows in two databases in opposite order wait for each other forever, and neither database can
     * see the cycle. A bounded lock wait turns that distributed deadlock into a failed business call.
     */
    private static void limitLockWaits(Connection connection, Duration timeout) throws SQLException {
        String sql = switch (connection.getMetaData().getDatabaseProductName()) {
            case "PostgreSQL" -> "SET LOCAL lock_timeout = '" + timeout.toMillis() + "ms'";
            case "H2" -> "SET LOCK_TIMEOUT " + timeout.toMillis();
            default -> null;
        };
        if (sql != null) {
            try (Statement statement = connection.createStatement()) {
                statement.execute(sql);
            }
        }
    }

    String branchId() {
        return xid == null ? "" : xid.branchId();
    }

    BranchStatus status() {
        return status;
    }

    void moveTo(BranchStatus next) {
        status = status.moveTo(next);
    }

    void markFailed(String why) {
        if (status == BranchStatus.ACTIVE) {
            moveTo(BranchStatus.ROLLBACK_ONLY);
            failure = why;
        }
    }

    void closeQuietly() {
        if (xaConnection != null) {
            try {
                xaConnection.close();
            } catch (SQLException e) {
                org.slf4j.LoggerFactory.getLogger(XaBranch.class)
                        .debug("Closing the XA connection of transaction {} failed", transactionId, e);
            }
        }
    }

    /**
     * Hands the service a view of the branch's connection on which local transaction control is
     * absorbed: the branch, not the service, decides when the work commits. A local rollback (a
     * {@code @Transactional} method that threw) dooms the branch, because XA cannot undo part of it.
     */
    private Connection guard(Connection physical) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "close", "commit", "setAutoCommit", "setReadOnly", "setTransactionIsolation" -> null;
                    case "getAutoCommit" -> false;
                    case "rollback" -> {
                        if (args == null || args.length == 0) {
                            markFailed("the service rolled back its local transaction");
                            yield null;
                        }
                        yield invoke(physical, method, args);
                    }
                    case "toString" -> "Verdict branch connection of transaction " + transactionId;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> invoke(physical, method, args);
                });
    }

    private static @Nullable Object invoke(Connection target, java.lang.reflect.Method method, Object @Nullable [] args)
            throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
