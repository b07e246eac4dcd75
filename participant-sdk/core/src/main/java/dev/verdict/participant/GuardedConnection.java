package dev.verdict.participant;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/**
 * The view of a branch's connection that the service gets, on which local transaction control is
 * absorbed: the branch, not the service, decides when the work commits. A local rollback (a
 * {@code @Transactional} method that threw) dooms the branch, because XA cannot undo part of it.
 */
final class GuardedConnection {

    private GuardedConnection() {
    }

    /**
     * @param doom called with the reason when the service rolls back
     * @param sessionChanged called when the service changes a setting that would outlive the branch on a
     *        pooled connection (schema, catalog, ...), so that the connection is not reused
     */
    static Connection over(Connection physical, String transactionId, Consumer<String> doom, Runnable sessionChanged) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "close", "commit", "setAutoCommit", "setReadOnly", "setTransactionIsolation" -> null;
                    case "getAutoCommit" -> false;
                    case "rollback" -> {
                        if (args == null || args.length == 0) {
                            doom.accept("the service rolled back its local transaction");
                            yield null;
                        }
                        yield invoke(physical, method, args);
                    }
                    case "setSchema", "setCatalog", "setHoldability", "setTypeMap", "setClientInfo", "setNetworkTimeout" -> {
                        sessionChanged.run();
                        yield invoke(physical, method, args);
                    }
                    case "toString" -> "Verdict branch connection of transaction " + transactionId;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> invoke(physical, method, args);
                });
    }

    private static @Nullable Object invoke(Connection target, Method method, Object @Nullable [] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
