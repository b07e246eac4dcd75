package dev.verdict.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.verdict.testsupport.Databases;

/**
 * The end state of a run read straight from the databases, whatever the services say: every transaction
 * and branch in the coordinator's log, and the commit markers in every bank. A branch's marker commits
 * with the branch's own work and only with it, so it tells whether that branch committed.
 */
final class EndState {

    /** A database and the credentials that open it. */
    record Database(String url, String user, String password) {

        static Database of(String url) {
            return new Database(url, Databases.user(url), Databases.password(url));
        }

        List<String> rows(String query) {
            return Databases.strings(url, user, password, query);
        }
    }

    private record Branch(String id, String participant) {
    }

    private final Map<String, String> states = new LinkedHashMap<>();
    private final Map<String, List<Branch>> branches = new LinkedHashMap<>();
    private final Map<String, List<String>> markers = new LinkedHashMap<>();

    /** Reads the log and the markers of the banks, keyed by the participant name each registers as. */
    EndState(Database log, Map<String, Database> banks) {
        for (String row : log.rows("SELECT id || ' ' || state FROM global_transaction")) {
            String[] parts = row.split(" ");
            states.put(parts[0], parts[1]);
        }
        for (String row : log.rows("SELECT transaction_id || ' ' || id || ' ' || participant_name FROM branch")) {
            String[] parts = row.split(" ");
            branches.computeIfAbsent(parts[0], key -> new ArrayList<>()).add(new Branch(parts[1], parts[2]));
        }
        banks.forEach((participant, bank) -> markers.put(participant,
                bank.rows("SELECT transaction_id || ' ' || branch_id FROM verdict_committed_branch")));
    }

    /** The state the log holds for a transaction, or null if it has no record of it. */
    String state(String transactionId) {
        return states.get(transactionId);
    }

    Map<String, String> states() {
        return states;
    }

    long count(String state) {
        return states.values().stream().filter(state::equals).count();
    }

    /**
     * Every breach of atomicity: a transaction not finished, a branch of a committed transaction without
     * its marker, a branch of an aborted one with it, and a marker for a branch the log does not know as
     * part of a committed transaction.
     */
    List<String> violations() {
        List<String> violations = new ArrayList<>();
        states.forEach((id, state) -> {
            if (!state.equals("COMMITTED") && !state.equals("ABORTED")) {
                violations.add("transaction " + id + " is still " + state);
            }
            for (Branch branch : branches.getOrDefault(id, List.of())) {
                boolean marked = markers.getOrDefault(branch.participant(), List.of()).contains(id + " " + branch.id());
                if (marked != state.equals("COMMITTED")) {
                    violations.add("transaction " + id + " is " + state + " but its branch " + branch.id() + " at "
                            + branch.participant() + (marked ? " committed" : " did not commit"));
                }
            }
        });
        markers.forEach((participant, marked) -> {
            for (String marker : marked) {
                String id = marker.split(" ")[0];
                if (!"COMMITTED".equals(states.get(id))) {
                    violations.add(participant + " committed a branch of transaction " + id + ", which the log has as "
                            + states.getOrDefault(id, "unknown"));
                }
            }
        });
        return violations;
    }
}
