package dev.verdict.coordinator.admin;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** The persisted record of every operator action: who, when, what, why, and what came of it. */
@Component
class AuditTrail {

    private final JdbcClient jdbc;
    private final Clock clock;

    AuditTrail(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    record Entry(String transactionId, @Nullable String branchId, String action, String actor, String reason,
            String outcome, Instant occurredAt) {
    }

    void record(String transactionId, @Nullable String branchId, String action, String actor, String reason, String outcome) {
        jdbc.sql("""
                INSERT INTO audit_entry (transaction_id, branch_id, action, actor, reason, outcome, occurred_at)
                VALUES (:transactionId, :branchId, :action, :actor, :reason, :outcome, :at)""")
                .param("transactionId", transactionId).param("branchId", branchId).param("action", action)
                .param("actor", actor).param("reason", reason).param("outcome", outcome)
                .param("at", Timestamp.from(clock.instant()))
                .update();
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
