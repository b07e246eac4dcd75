package dev.verdict.coordinator.transaction;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;
import org.springframework.data.annotation.Id;
import org.springframework.data.relational.core.mapping.Table;

/**
 * A global transaction as its row in the log. Its branches are a separate aggregate
 * ({@link dev.verdict.coordinator.branch.Branch}) so that saving one never rewrites the others.
 */
@Table
public record GlobalTransaction(
        @Id String id,
        @Nullable String name,
        TransactionState state,
        @Nullable String outcomeReason,
        Instant createdAt,
        Instant expiresAt,
        @Nullable Instant decidedAt,
        @Nullable Instant finishedAt,
        Instant updatedAt,
        String owner,
        Instant leaseUntil,
        @Nullable String client) {

    /** This transaction as the log holds it after a decision that {@code owner} won at {@code now}. */
    public GlobalTransaction decided(TransactionState decision, @Nullable String reason, String newOwner, Instant newLeaseUntil,
            Instant now) {
        return new GlobalTransaction(id, name, decision, reason, createdAt, expiresAt, now, finishedAt, now, newOwner, newLeaseUntil,
                client);
    }

    /** This new transaction begun at {@code now} instead, with the same timeout. */
    public GlobalTransaction begunAt(Instant now) {
        return new GlobalTransaction(id, name, state, outcomeReason, now, now.plus(Duration.between(createdAt, expiresAt)),
                decidedAt, finishedAt, now, owner, now, client);
    }

    /** This transaction as the log holds it after it reached {@code end} at {@code now}. */
    public GlobalTransaction finished(TransactionState end, Instant now) {
        return new GlobalTransaction(id, name, end, outcomeReason, createdAt, expiresAt, decidedAt, now, now, owner, leaseUntil, client);
    }
}
