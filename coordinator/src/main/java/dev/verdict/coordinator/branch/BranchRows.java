package dev.verdict.coordinator.branch;

import java.sql.ResultSet;
import java.sql.SQLException;

import org.springframework.jdbc.core.RowMapper;

/** Reads a branch's row by hand, for the same reason as the transaction's: it is on the hot path. */
public class BranchRows implements RowMapper<Branch> {

    @Override
    public Branch mapRow(ResultSet rs, int rowNum) throws SQLException {
        return new Branch(rs.getString("id"), rs.getString("transaction_id"), rs.getString("participant_name"),
                rs.getString("url"), BranchState.valueOf(rs.getString("state")), rs.getString("vote_detail"),
                rs.getString("last_error"), rs.getInt("attempts"), rs.getTimestamp("registered_at").toInstant(),
                rs.getTimestamp("updated_at").toInstant(), rs.getString("registered_by"));
    }
}
