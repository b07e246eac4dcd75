package dev.verdict.it;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.verdict.coordinator.log.SyncedFiles;
import dev.verdict.testsupport.Databases;

/**
 * What the fault run's databases hold, read from outside the processes: the log's transactions and branches,
 * and each bank's accounts, commit markers and prepared branches.
 */
record ClusterState(boolean postgresLog, String logUrl, Map<String, String> bankDatabases) {

    static {
        // the H2 log's path has the coordinator's prefix for synchronous files; this JVM must know it to find the file
        SyncedFiles.register();
    }

    long unfinishedInLog() {
        return Databases.strings(jdbcLogUrl(), logUser(), logPassword(),
                "SELECT id FROM global_transaction WHERE state NOT IN ('COMMITTED', 'ABORTED')").size();
    }

    Map<String, String> outcomesInLog() {
        Map<String, String> outcomes = new LinkedHashMap<>();
        for (String row : Databases.strings(jdbcLogUrl(), logUser(), logPassword(),
                "SELECT id || ' ' || state FROM global_transaction")) {
            String[] parts = row.split(" ");
            outcomes.put(parts[0], parts[1]);
        }
        return outcomes;
    }

    /** Each transaction's branches in the log, as the banks ("a", "b") they are in. */
    Map<String, List<String>> branchesInLog() {
        Map<String, List<String>> branches = new LinkedHashMap<>();
        for (String row : Databases.strings(jdbcLogUrl(), logUser(), logPassword(),
                "SELECT transaction_id || ' ' || participant_name FROM branch")) {
            String[] parts = row.split(" ");
            branches.computeIfAbsent(parts[0], key -> new ArrayList<>()).add(parts[1].equals("bank-a") ? "a" : "b");
        }
        return branches;
    }

    /** The transactions a bank holds a commit marker of. */
    Set<String> markers(String bank) {
        return new HashSet<>(Databases.strings(bankDatabases.get(bank), "postgres", "postgres",
                "SELECT transaction_id FROM verdict_committed_branch"));
    }

    /**
     * What the log and each bank hold of one transaction, to explain a violation of it: the log's branches and
     * history, and each bank's commit markers with the branch that wrote them.
     */
    List<String> evidence(String transactionId) {
        if (!transactionId.matches("[A-Za-z0-9-]+")) {
            throw new IllegalArgumentException("not a transaction id: " + transactionId);
        }
        String id = "'" + transactionId + "'";
        List<String> lines = new ArrayList<>(Databases.strings(jdbcLogUrl(), logUser(), logPassword(),
                "SELECT 'log: branch ' || id || ' at ' || participant_name || ', ' || state"
                        + " || COALESCE(' (' || vote_detail || ')', '') FROM branch WHERE transaction_id = " + id));
        lines.addAll(Databases.strings(jdbcLogUrl(), logUser(), logPassword(),
                "SELECT 'log: ' || CAST(occurred_at AS VARCHAR(40)) || ' ' || COALESCE(branch_id, 'transaction') || ' '"
                        + " || COALESCE(from_state, '-') || ' -> ' || to_state || COALESCE(': ' || detail, '')"
                        + " FROM transaction_event WHERE transaction_id = " + id + " ORDER BY id"));
        bankDatabases.forEach((bank, url) -> lines.addAll(Databases.strings(url, "postgres", "postgres",
                "SELECT 'bank " + bank + ": commit marker of branch ' || branch_id || ', prepared at '"
                        + " || CAST(prepared_at AS VARCHAR(40)) FROM verdict_committed_branch WHERE transaction_id = " + id)));
        return lines;
    }

    /** A bank's balance of each account. */
    Map<Long, Long> balances(String bank) {
        Map<Long, Long> balances = new TreeMap<>();
        for (String row : Databases.strings(bankDatabases.get(bank), "postgres", "postgres",
                "SELECT id || ' ' || balance FROM account")) {
            String[] parts = row.split(" ");
            balances.put(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
        }
        return balances;
    }

    List<String> preparedIn(String bank) {
        return Databases.preparedTransactions(bankDatabases.get(bank), "postgres", "postgres");
    }

    /**
     * The log's JDBC URL, for the coordinator and for the checks: an H2 log has the settings of the shipped one
     * and is opened in its server mode, so that the checks can read the file while the coordinator holds it.
     */
    String jdbcLogUrl() {
        return postgresLog ? logUrl : logUrl + ";WRITE_DELAY=100;RETENTION_TIME=0;QUERY_CACHE_SIZE=64;AUTO_SERVER=TRUE";
    }

    String logUser() {
        return postgresLog ? "postgres" : "verdict";
    }

    String logPassword() {
        return postgresLog ? "postgres" : "";
    }
}
