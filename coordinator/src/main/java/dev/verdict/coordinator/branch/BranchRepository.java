package dev.verdict.coordinator.branch;

import java.util.List;

import org.springframework.data.jdbc.repository.query.Query;
import org.springframework.data.repository.ListCrudRepository;

/**
 * Reads the branches in the log. Nothing here writes: every change of state goes through
 * {@link dev.verdict.coordinator.log.TransactionLog}.
 */
public interface BranchRepository extends ListCrudRepository<Branch, String> {

    @Query(value = "SELECT * FROM branch WHERE transaction_id = :transactionId ORDER BY registered_at, id",
            rowMapperClass = BranchRows.class)
    List<Branch> findByTransactionId(String transactionId);
}
