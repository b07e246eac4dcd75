package dev.verdict.coordinator.log;

import java.time.Instant;
import java.util.List;

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

    static void record(JdbcClient jdbc, String transactionId, @Nullable String branchId, @Nullable Enum<?> from, Enum<?> to,
            @Nullable String detail, Instant at) {
        jdbc.sql("""
                INSERT INTO transaction_event (transaction_id, branch_id, from_state, to_state, detail, occurred_at)
                VALUES (:transactionId, :branchId, :from, :to, :detail, :at)""")
                .param("transactionId", transactionId).param("branchId", branchId)
                .param("from", from == null ? null : from.name()).param("to", to.name())
                .param("detail", detail == null || detail.length() <= 2000 ? detail : detail.substring(0, 2000))
                .param("at", TransactionLog.at(at))
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
