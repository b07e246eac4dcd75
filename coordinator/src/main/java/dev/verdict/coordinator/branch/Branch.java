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
        Instant updatedAt) {
}
