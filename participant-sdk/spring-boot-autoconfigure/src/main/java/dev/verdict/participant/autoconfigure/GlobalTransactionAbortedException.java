package dev.verdict.participant.autoconfigure;

/** Commit was asked for, but the coordinator aborted the transaction: nothing of it is committed anywhere. */
public class GlobalTransactionAbortedException extends RuntimeException {

    private final String transactionId;

    public GlobalTransactionAbortedException(String transactionId, String reason) {
        super("global transaction " + transactionId + " was aborted: " + reason);
        this.transactionId = transactionId;
    }

    public String transactionId() {
        return transactionId;
    }
}
