package dev.verdict.coordinator.transaction;

/** No transaction with this id is in the log. */
public class TransactionNotFoundException extends RuntimeException {

    public TransactionNotFoundException(String id) {
        super("no global transaction with id '" + id + "' is known to this coordinator");
    }
}
