package dev.verdict.coordinator.transaction;

import java.util.List;

import dev.verdict.coordinator.branch.Branch;

/** A transaction with its branches, read together from the log. */
public record TransactionDetails(GlobalTransaction transaction, List<Branch> branches) {

    public TransactionState state() {
        return transaction.state();
    }
}
