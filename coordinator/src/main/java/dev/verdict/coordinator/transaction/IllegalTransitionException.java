package dev.verdict.coordinator.transaction;

/** A change of state that the state machine does not allow, such as commit after rollback. */
public class IllegalTransitionException extends RuntimeException {

    private final TransactionState from;
    private final TransactionState to;

    public IllegalTransitionException(TransactionState from, TransactionState to) {
        super("a transaction in state " + from + " cannot move to " + to);
        this.from = from;
        this.to = to;
    }

    public TransactionState from() {
        return from;
    }

    public TransactionState to() {
        return to;
    }
}
