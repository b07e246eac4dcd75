package dev.verdict.coordinator.log;

import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;

import dev.verdict.coordinator.branch.Branch;
import dev.verdict.coordinator.transaction.GlobalTransaction;
import dev.verdict.coordinator.transaction.GlobalTransactionRows;

/**
 * A commit decision as the {@link DecisionFile} holds it: the transaction's row and its branches' rows as the
 * forced write left them, enough to put the decision back into the log if the log's own copy was lost.
 */
record Decision(GlobalTransaction transaction, List<Branch> branches) {

    private static final GlobalTransactionRows ROWS = new GlobalTransactionRows();

    /** The decision on transaction {@code id} as the log holds it, read within the write that took it. */
    static Decision read(JdbcClient jdbc, String id) {
        GlobalTransaction transaction = jdbc.sql("SELECT * FROM global_transaction WHERE id = :id").param("id", id)
                .query(ROWS).single();
        List<Branch> branches = TransactionLog.branchesOf(jdbc, id);
        return new Decision(transaction, branches);
    }
}
