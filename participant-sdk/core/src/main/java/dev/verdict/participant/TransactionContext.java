package dev.verdict.participant;

import org.jspecify.annotations.Nullable;

/**
 * The global transaction the current thread works for. The initiating client binds it while it calls
 * participants; a participant binds it while it serves a request that carries the {@value #HEADER}
 * header. Outgoing HTTP calls made meanwhile carry the header on.
 */
public final class TransactionContext {

    /** The HTTP request header that carries the global transaction id from caller to participant. */
    public static final String HEADER = "Verdict-Transaction";

    private static final ThreadLocal<@Nullable String> CURRENT = new ThreadLocal<>();

    private TransactionContext() {
    }

    /** The id of the global transaction bound to this thread, or null outside one. */
    public static @Nullable String currentTransactionId() {
        return CURRENT.get();
    }

    /** Binds a transaction to this thread until the returned scope is closed, restoring what was bound before. */
    public static Scope bind(String transactionId) {
        String previous = CURRENT.get();
        CURRENT.set(transactionId);
        return () -> {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        };
    }

    /** A binding that ends when closed. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
