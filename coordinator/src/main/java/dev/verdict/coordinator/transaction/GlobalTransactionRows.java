package dev.verdict.coordinator.transaction;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.RowMapper;

/**
 * Reads a transaction's row by hand: the hot path reads one per call, and the generic entity mapping
 * costs several times the query itself.
 */
public class GlobalTransactionRows implements RowMapper<GlobalTransaction> {

    @Override
    public GlobalTransaction mapRow(ResultSet rs, int rowNum) throws SQLException {
        return new GlobalTransaction(rs.getString("id"), rs.getString("name"), TransactionState.valueOf(rs.getString("state")),
                rs.getString("outcome_reason"), instant(rs.getTimestamp("created_at")), instant(rs.getTimestamp("expires_at")),
                nullable(rs.getTimestamp("decided_at")), nullable(rs.getTimestamp("finished_at")),
                instant(rs.getTimestamp("updated_at")), rs.getString("owner"), instant(rs.getTimestamp("lease_until")),
                rs.getString("client"));
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp.toInstant();
    }

    private static @Nullable Instant nullable(@Nullable Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
