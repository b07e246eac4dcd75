package dev.verdict.coordinator.security;

import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Every row of the transaction log, for a test that asserts a refused request changed nothing: two
 * snapshots are equal only if no transaction, branch, history event or audit entry was added or changed.
 */
record LogSnapshot(Map<String, List<Map<String, Object>>> tables) {

    private static final List<String> TABLES = List.of("global_transaction", "branch", "transaction_event", "audit_entry");

    static LogSnapshot of(DataSource log) {
        JdbcTemplate jdbc = new JdbcTemplate(log);
        Map<String, List<Map<String, Object>>> rows = new java.util.LinkedHashMap<>();
        for (String table : TABLES) {
            rows.put(table, jdbc.queryForList("SELECT * FROM " + table + " ORDER BY 1"));
        }
        return new LogSnapshot(rows);
    }

    int rows() {
        return tables.values().stream().mapToInt(List::size).sum();
    }
}
