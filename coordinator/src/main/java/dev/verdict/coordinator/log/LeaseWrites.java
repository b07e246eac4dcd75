package dev.verdict.coordinator.log;

import static dev.verdict.coordinator.log.TransactionLog.at;

import java.time.Instant;
import java.util.List;

import dev.verdict.coordinator.log.LogWriter.Durability;
import dev.verdict.coordinator.transaction.TransactionState;

/**
 * Who drives a transaction, and until when ({@code owner}, {@code lease_until}). While a lease runs nobody
 * else drives the transaction; recovery takes over only one that has run out, so several coordinators can
 * share one log.
 */
public final class LeaseWrites {

    private static final List<String> UNFINISHED = List.of(TransactionState.PREPARING.name(),
            TransactionState.COMMITTING.name(), TransactionState.ABORTING.name());

    private final LogWriter writer;

    LeaseWrites(LogWriter writer) {
        this.writer = writer;
    }

    /** Takes over a transaction in {@code state} whose lease ran out. */
    public boolean claim(String id, TransactionState state, String owner, Instant leaseUntil, Instant now) {
        return writer.write(Durability.LAZY, jdbc -> jdbc.sql("""
                UPDATE global_transaction SET owner = :owner, lease_until = :leaseUntil
                WHERE id = :id AND state = :state AND lease_until < :now""")
                .param("owner", owner).param("leaseUntil", at(leaseUntil)).param("id", id)
                .param("state", state.name()).param("now", at(now))
                .update() == 1);
    }

    /** Takes a transaction over even from a live driver: an operator's "retry now" (phase 2 is idempotent). */
    public boolean takeOver(String id, TransactionState state, String owner, Instant leaseUntil) {
        return writer.write(Durability.LAZY, jdbc -> jdbc.sql("""
                UPDATE global_transaction SET owner = :owner, lease_until = :leaseUntil WHERE id = :id AND state = :state""")
                .param("owner", owner).param("leaseUntil", at(leaseUntil)).param("id", id).param("state", state.name())
                .update() == 1);
    }

    /** Ends the leases of an earlier run of this node, which died holding them; answers how many. */
    public int expireLeasesOfEarlierRuns(String ownerPattern, String owner, Instant now) {
        return writer.write(Durability.LAZY, jdbc -> jdbc.sql("""
                UPDATE global_transaction SET lease_until = :now
                WHERE owner LIKE :ownerPattern AND owner <> :owner AND state IN (:unfinished)""")
                .param("now", at(now)).param("ownerPattern", ownerPattern).param("owner", owner)
                .param("unfinished", UNFINISHED)
                .update());
    }
}
