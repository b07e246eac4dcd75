package dev.verdict.coordinator.transaction;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import org.springframework.data.jdbc.repository.query.Query;
import org.springframework.data.repository.ListCrudRepository;

/**
 * Reads the log's transactions. Nothing here writes: every change of state goes through
 * {@link dev.verdict.coordinator.log.TransactionLog}.
 */
public interface TransactionRepository extends ListCrudRepository<GlobalTransaction, String> {

    /** The decided-but-unfinished and the preparing states: what recovery takes over when its lease runs out. */
    List<String> UNFINISHED = TransactionState.names(TransactionState.PREPARING, TransactionState.COMMITTING,
            TransactionState.ABORTING);

    /** The states without a decision. */
    List<String> UNDECIDED = TransactionState.names(TransactionState.ACTIVE, TransactionState.PREPARING);

    @Query(value = "SELECT * FROM global_transaction WHERE id = :id", rowMapperClass = GlobalTransactionRows.class)
    Optional<GlobalTransaction> find(String id);

    @Query("""
            SELECT id FROM global_transaction
            WHERE state IN (:states) AND lease_until < :now
            ORDER BY lease_until LIMIT :limit""")
    List<String> findWithExpiredLease(Collection<String> states, Instant now, int limit);

    default List<String> findUnfinishedWithExpiredLease(Instant now, int limit) {
        return findWithExpiredLease(UNFINISHED, now, limit);
    }

    /** Transactions an earlier run of this node left in {@code states}: their driver is gone. */
    @Query("""
            SELECT id, state FROM global_transaction
            WHERE state IN (:states) AND owner LIKE :nodePrefix AND owner <> :owner
            ORDER BY created_at LIMIT :limit""")
    List<Undecided> findOfEarlierRuns(Collection<String> states, String nodePrefix, String owner, int limit);

    default List<Undecided> findUndecidedOfEarlierRuns(String nodePrefix, String owner, int limit) {
        return findOfEarlierRuns(UNDECIDED, nodePrefix, owner, limit);
    }

    @Query("""
            SELECT COUNT(*) FROM global_transaction
            WHERE state IN (:states) AND owner LIKE :nodePrefix AND owner <> :owner""")
    long countOfEarlierRuns(Collection<String> states, String nodePrefix, String owner);

    default long countUndecidedOfEarlierRuns(String nodePrefix, String owner) {
        return countOfEarlierRuns(UNDECIDED, nodePrefix, owner);
    }

    @Query("SELECT id FROM global_transaction WHERE state = :state AND expires_at < :now ORDER BY expires_at LIMIT :limit")
    List<String> findInStateExpiredBefore(String state, Instant now, int limit);

    /** Active transactions past their timeout. */
    default List<String> findExpired(Instant now, int limit) {
        return findInStateExpiredBefore(TransactionState.ACTIVE.name(), now, limit);
    }

    /** A transaction without a decision, and the state it is in. */
    record Undecided(String id, TransactionState state) {
    }
}
