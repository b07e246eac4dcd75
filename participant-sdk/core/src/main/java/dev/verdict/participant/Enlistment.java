package dev.verdict.participant;

import java.sql.Connection;

import org.jspecify.annotations.Nullable;

/**
 * A thread's part in a global transaction for the length of one request. The branch is joined only
 * when the request first asks for a connection, so requests that never touch the database do not
 * register a branch.
 */
public final class Enlistment implements AutoCloseable {

    private static final ThreadLocal<@Nullable Enlistment> CURRENT = new ThreadLocal<>();

    private final BusinessCalls calls;
    private final String transactionId;
    private final boolean receiptWanted;
    private final @Nullable Enlistment previous;
    private @Nullable XaBranch branch;
    private @Nullable String failure;

    Enlistment(BusinessCalls calls, String transactionId, boolean receiptWanted) {
        this.calls = calls;
        this.transactionId = transactionId;
        this.receiptWanted = receiptWanted;
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
            branch = calls.join(transactionId);
        }
        return branch.connection();
    }

    /**
     * The request's work is done and its answer is about to go out: a branch that registers once prepared is
     * prepared now, and registered, or, if the client collects receipts, answered with the receipt that this
     * returns for the answer to carry. Throws {@link BranchRefusedException} or {@link BranchInDoubtException}
     * when the work must not count, and the request must then fail. A no-op answering null for a request that
     * failed or touched no database, and for branches registered before their work.
     */
    public @Nullable String complete() {
        if (branch != null && failure == null) {
            return calls.prepareAndRegister(branch, receiptWanted);
        }
        return null;
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
            calls.leave(branch, failure);
        }
    }
}
