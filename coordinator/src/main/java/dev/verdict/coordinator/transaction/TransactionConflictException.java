package dev.verdict.coordinator.transaction;

/** A request that the transaction's current state refuses, with a sentence saying why. */
public class TransactionConflictException extends RuntimeException {

    private final TransactionState state;

    public TransactionConflictException(TransactionState state, String message) {
        super(message);
        this.state = state;
    }

    public TransactionState state() {
        return state;
    }
}
