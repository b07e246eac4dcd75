package dev.verdict.coordinator.branch;

import java.time.Instant;

import org.jspecify.annotations.Nullable;
import org.springframework.data.annotation.Id;
import org.springframework.data.relational.core.mapping.Table;

/** One participant's part of a global transaction, as its row in the log. */
@Table
public record Branch(
        @Id String id,
        String transactionId,
        String participantName,
        String url,
        BranchState state,
        @Nullable String voteDetail,
        @Nullable String lastError,
        int attempts,
        Instant registeredAt,
        Instant updatedAt,
        @Nullable String registeredBy) {

    /** This branch as the log holds it after moving to {@code to} at {@code now}; a null detail keeps the old one. */
    public Branch movedTo(BranchState to, @Nullable String detail, Instant now) {
        return new Branch(id, transactionId, participantName, url, to, detail == null ? voteDetail : detail, lastError,
                attempts, registeredAt, now, registeredBy);
    }

    /** This branch as the log holds it after a phase-2 call failed with {@code error} at {@code now}. */
    public Branch failed(String error, Instant now) {
        return new Branch(id, transactionId, participantName, url, state, voteDetail, error, attempts + 1, registeredAt, now,
                registeredBy);
    }
}
