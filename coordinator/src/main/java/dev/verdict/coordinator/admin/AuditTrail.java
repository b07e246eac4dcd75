package dev.verdict.coordinator.admin;

import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The persisted record of every operator action: who, when, what, why, and what came of it. Written by
 * {@link dev.verdict.coordinator.log.TransactionLog#audit}.
 */
@Component
class AuditTrail {

    private final JdbcClient jdbc;

    AuditTrail(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    record Entry(String transactionId, @Nullable String branchId, String action, String actor, String reason,
            String outcome, Instant occurredAt) {
    }

    List<Entry> of(String transactionId) {
        return jdbc.sql("""
                SELECT transaction_id, branch_id, action, actor, reason, outcome, occurred_at
                FROM audit_entry WHERE transaction_id = :id ORDER BY id""")
                .param("id", transactionId)
                .query((rs, row) -> new Entry(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getTimestamp(7).toInstant()))
                .list();
    }
}
