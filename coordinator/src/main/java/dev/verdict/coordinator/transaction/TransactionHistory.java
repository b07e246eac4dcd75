package dev.verdict.coordinator.transaction;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The history of every change of state, written right after the compare-and-set that made it (inside
 * the same database transaction where there is one), for operators to read on the dashboard.
 */
@Component
public class TransactionHistory {

    private final JdbcClient jdbc;
    private final Clock clock;

    TransactionHistory(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** One change of state; {@code branchId} is null for the transaction's own state. */
    public record Event(String transactionId, @Nullable String branchId, @Nullable String fromState, String toState,
            @Nullable String detail, Instant occurredAt) {
    }

    public void record(String transactionId, @Nullable String branchId, @Nullable Enum<?> from, Enum<?> to,
            @Nullable String detail) {
        jdbc.sql("""
                INSERT INTO transaction_event (transaction_id, branch_id, from_state, to_state, detail, occurred_at)
                VALUES (:transactionId, :branchId, :from, :to, :detail, :at)""")
                .param("transactionId", transactionId)
                .param("branchId", branchId)
                .param("from", from == null ? null : from.name())
                .param("to", to.name())
                .param("detail", detail)
                .param("at", Timestamp.from(clock.instant()))
                .update();
    }

    public List<Event> of(String transactionId) {
        return jdbc.sql("""
                SELECT transaction_id, branch_id, from_state, to_state, detail, occurred_at
                FROM transaction_event WHERE transaction_id = :id ORDER BY id""")
                .param("id", transactionId)
                .query((rs, row) -> new Event(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getTimestamp(6).toInstant()))
                .list();
    }
}
