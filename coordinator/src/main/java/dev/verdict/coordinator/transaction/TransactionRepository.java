package dev.verdict.coordinator.transaction;

import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.data.jdbc.repository.query.Modifying;
import org.springframework.data.jdbc.repository.query.Query;
import org.springframework.data.repository.ListCrudRepository;

/**
 * The log of global transactions. Every method that changes a state names the state it expects
 * and answers whether it won: a {@code false} means another actor moved the transaction first.
 */
public interface TransactionRepository extends ListCrudRepository<GlobalTransaction, String> {

    @Modifying
    @Query("""
            UPDATE global_transaction SET state = :to, updated_at = :now, owner = :owner, lease_until = :leaseUntil
            WHERE id = :id AND state = :from""")
    boolean moveAndLease(String id, String from, String to, String owner, Instant leaseUntil, Instant now);

    @Modifying
    @Query("""
            UPDATE global_transaction SET state = :to, outcome_reason = :reason, decided_at = :now, updated_at = :now
            WHERE id = :id AND state = :from""")
    boolean decide(String id, String from, String to, @Nullable String reason, Instant now);

    @Modifying
    @Query("""
            UPDATE global_transaction SET state = :to, finished_at = :now, updated_at = :now
            WHERE id = :id AND state = :from""")
    boolean finish(String id, String from, String to, Instant now);

    /** Locks an active transaction's row, so that a registration and the start of commit are serialized. */
    @Modifying
    @Query("UPDATE global_transaction SET updated_at = :now WHERE id = :id AND state = 'ACTIVE'")
    boolean lockActive(String id, Instant now);

    /** Takes over a transaction whose driver's lease ran out; while the lease runs, nobody else drives it. */
    @Modifying
    @Query("""
            UPDATE global_transaction SET owner = :owner, lease_until = :leaseUntil
            WHERE id = :id AND state = :state AND lease_until < :now""")
    boolean claim(String id, String state, String owner, Instant leaseUntil, Instant now);

    /** Takes a transaction over even from a live driver: an operator's "retry now" (phase 2 is idempotent). */
    @Modifying
    @Query("UPDATE global_transaction SET owner = :owner, lease_until = :leaseUntil WHERE id = :id AND state = :state")
    boolean takeOver(String id, String state, String owner, Instant leaseUntil);

    /** Hands a transaction back to recovery no earlier than {@code retryAt}. */
    @Modifying
    @Query("UPDATE global_transaction SET lease_until = :retryAt WHERE id = :id AND owner = :owner")
    boolean release(String id, String owner, Instant retryAt);

    /** Ends the leases of an earlier run of this coordinator node, which died holding them. */
    @Modifying
    @Query("""
            UPDATE global_transaction SET lease_until = :now
            WHERE owner LIKE :nodePrefix AND owner <> :owner AND state IN ('PREPARING', 'COMMITTING', 'ABORTING')""")
    int expireLeasesOfEarlierRuns(String nodePrefix, String owner, Instant now);

    @Query("""
            SELECT id FROM global_transaction
            WHERE state IN ('PREPARING', 'COMMITTING', 'ABORTING') AND lease_until < :now
            ORDER BY lease_until LIMIT :limit""")
    List<String> findUnfinishedWithExpiredLease(Instant now, int limit);

    /** Transactions an earlier run of this node left without a decision (ACTIVE or PREPARING): their driver is gone. */
    @Query("""
            SELECT id, state FROM global_transaction
            WHERE state IN ('ACTIVE', 'PREPARING') AND owner LIKE :nodePrefix AND owner <> :owner
            ORDER BY created_at LIMIT :limit""")
    List<Undecided> findUndecidedOfEarlierRuns(String nodePrefix, String owner, int limit);

    @Query("""
            SELECT COUNT(*) FROM global_transaction
            WHERE state IN ('ACTIVE', 'PREPARING') AND owner LIKE :nodePrefix AND owner <> :owner""")
    long countUndecidedOfEarlierRuns(String nodePrefix, String owner);

    /** A transaction without a decision, and the state it is in. */
    record Undecided(String id, TransactionState state) {
    }

    @Query("SELECT id FROM global_transaction WHERE state = 'ACTIVE' AND expires_at < :now ORDER BY expires_at LIMIT :limit")
    List<String> findExpired(Instant now, int limit);
}
