package dev.verdict.coordinator.log;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Every change of state of a transaction or a branch, written by {@link TransactionLog} in the same
 * database transaction as the change, for operators to read on the dashboard. A branch's expected steps,
 * joining by a receipt with the decision and a plain acknowledgement at the end, are named in the
 * transaction's entry of that write rather than given entries of their own: the hot path writes three history
 * rows per transaction instead of seven.
 */
@Component
public class History {

    private final JdbcClient jdbc;

    History(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** One change of state; {@code branchId} is null for the transaction's own state. */
    public record Event(String transactionId, @Nullable String branchId, @Nullable String fromState, String toState,
            @Nullable String detail, Instant occurredAt) {
    }

    /** Several entries in one statement: one round trip to a PostgreSQL log. */
    static void recordAll(JdbcClient jdbc, List<Event> events) {
        StringBuilder sql = new StringBuilder(
                "INSERT INTO transaction_event (transaction_id, branch_id, from_state, to_state, detail, occurred_at) VALUES ");
        Map<String, Object> params = new HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            Event event = events.get(i);
            sql.append(i == 0 ? "" : ", ").append("(:transactionId%1$d, :branchId%1$d, :from%1$d, :to%1$d, :detail%1$d, :at%1$d)"
                    .formatted(i));
            params.put("transactionId" + i, event.transactionId());
            params.put("branchId" + i, event.branchId());
            params.put("from" + i, event.fromState());
            params.put("to" + i, event.toState());
            params.put("detail" + i, capped(event.detail()));
            params.put("at" + i, TransactionLog.at(event.occurredAt()));
        }
        jdbc.sql(sql.toString()).params(params).update();
    }

    private static @Nullable String capped(@Nullable String detail) {
        return detail == null || detail.length() <= 2000 ? detail : detail.substring(0, 2000);
    }

    static void record(JdbcClient jdbc, String transactionId, @Nullable String branchId, @Nullable Enum<?> from, Enum<?> to,
            @Nullable String detail, Instant at) {
        recordAll(jdbc, List.of(new Event(transactionId, branchId, from == null ? null : from.name(), to.name(), detail, at)));
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
