package dev.verdict.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import dev.verdict.testsupport.Http;

/**
 * The checker of the randomized fault run, in the spirit of Jepsen's bank test: it records the transfer each
 * transaction was meant to make and what its client was told, then holds the end state against them. Every
 * answer counts, every account is recomputed, and every commit marker in a bank must belong to a
 * transaction the log knows as committed.
 */
final class Ledger {

    /** What the client was told about its transaction. */
    enum Told {
        /** 200 COMMITTED or 202 COMMITTING: it must end committed in every bank. */
        COMMITTED,
        /** 409 transaction-aborted, or ABORTED/ABORTING from a rollback: it must end rolled back everywhere. */
        ABORTED,
        /** A timeout, a lost connection, a 5xx: it may end either way, but the log and every bank must agree. */
        UNKNOWN
    }

    /** One cent amount moved from an account of one bank to an account of the other. */
    record Transfer(String from, long fromAccount, String to, long toAccount, long cents) {
    }

    private final Map<String, Transfer> transfers = new ConcurrentHashMap<>();
    private final Map<String, Told> told = new ConcurrentHashMap<>();
    /** Why each UNKNOWN answer was one: its HTTP status and problem type, or "no answer". */
    private final Map<String, Integer> unknownBecause = new ConcurrentHashMap<>();

    void begun(String transactionId, Transfer transfer) {
        transfers.put(transactionId, transfer);
    }

    /** What a commit or rollback call answered. */
    void answered(String transactionId, Http.Answer answer) {
        String status = answer.text("status");
        String type = answer.text("type");
        Told outcome;
        if ((answer.status() == 200 || answer.status() == 202) && (status.equals("COMMITTED") || status.equals("COMMITTING"))) {
            outcome = Told.COMMITTED;
        } else if ((answer.status() == 200 || answer.status() == 202) && (status.equals("ABORTED") || status.equals("ABORTING"))) {
            outcome = Told.ABORTED;
        } else if (answer.status() == 409 && type.equals("urn:verdict:problem:transaction-aborted")) {
            outcome = Told.ABORTED;
        } else {
            outcome = Told.UNKNOWN;
            unknownBecause.merge(answer.status() + (type.isEmpty() ? "" : " " + type.replace("urn:verdict:problem:", "")), 1,
                    Integer::sum);
        }
        told.put(transactionId, outcome);
    }

    void lost(String transactionId) {
        if (told.putIfAbsent(transactionId, Told.UNKNOWN) == null) {
            unknownBecause.merge("no answer", 1, Integer::sum);
        }
    }

    /** The answers that left the outcome unknown, by status and problem type. */
    Map<String, Integer> unknownBecause() {
        return new TreeMap<>(unknownBecause);
    }

    int transfers() {
        return transfers.size();
    }

    Map<Told, Integer> answers() {
        Map<Told, Integer> counts = new TreeMap<>();
        told.values().forEach(answer -> counts.merge(answer, 1, Integer::sum));
        return counts;
    }

    /**
     * Everything that contradicts atomicity or an answer: each is a violation.
     *
     * @param outcomes each transaction's final state in the log
     * @param balances each bank's balance by account
     * @param markers each bank's commit markers, by transaction id
     * @param branchesInLog each transaction's branches in the log, as bank names
     */
    List<String> violations(Map<String, String> outcomes, Map<String, Map<Long, Long>> balances, long openingBalance,
            Map<String, Set<String>> markers, Map<String, List<String>> branchesInLog) {
        List<String> violations = new ArrayList<>();
        told.forEach((id, answer) -> {
            String logged = outcomes.getOrDefault(id, "unknown to the log (presumed aborted)");
            if (answer == Told.COMMITTED && !logged.equals("COMMITTED")) {
                violations.add("the client was told " + id + " committed, the log says " + logged);
            }
            if (answer == Told.ABORTED && logged.equals("COMMITTED")) {
                violations.add("the client was told " + id + " aborted, the log says COMMITTED");
            }
        });
        markers.forEach((bank, committedHere) -> committedHere.forEach(id -> {
            if (!"COMMITTED".equals(outcomes.get(id))) {
                violations.add("bank " + bank + " committed a branch of " + id + ", which the log has as " + outcomes.get(id));
            }
        }));
        branchesInLog.forEach((id, banks) -> {
            if ("COMMITTED".equals(outcomes.get(id))) {
                for (String bank : banks) {
                    if (!markers.getOrDefault(bank, Set.of()).contains(id)) {
                        violations.add(id + " is COMMITTED in the log but bank " + bank + " has no commit of it");
                    }
                }
            }
        });
        Map<String, Map<Long, Long>> expected = new TreeMap<>();
        transfers.forEach((id, transfer) -> {
            if ("COMMITTED".equals(outcomes.get(id))) {
                expected.computeIfAbsent(transfer.from(), bank -> new TreeMap<>()).merge(transfer.fromAccount(), -transfer.cents(), Long::sum);
                expected.computeIfAbsent(transfer.to(), bank -> new TreeMap<>()).merge(transfer.toAccount(), transfer.cents(), Long::sum);
            }
        });
        balances.forEach((bank, accounts) -> accounts.forEach((account, balance) -> {
            long should = openingBalance + expected.getOrDefault(bank, Map.of()).getOrDefault(account, 0L);
            if (balance != should) {
                violations.add("bank " + bank + " account " + account + " holds " + balance + " cents; the committed transfers"
                        + " make it " + should + suspects(bank, account, balance - should, outcomes));
            }
        }));
        return violations;
    }

    /** The transfers whose amount would explain an account's difference, to start the search with. */
    private String suspects(String bank, long account, long difference, Map<String, String> outcomes) {
        List<String> suspects = new ArrayList<>();
        transfers.forEach((id, transfer) -> {
            boolean debit = transfer.from().equals(bank) && transfer.fromAccount() == account;
            boolean credit = transfer.to().equals(bank) && transfer.toAccount() == account;
            if ((debit || credit) && transfer.cents() == Math.abs(difference)) {
                suspects.add(id + " (" + (debit ? "debit" : "credit") + ", client told " + told.getOrDefault(id, Told.UNKNOWN)
                        + ", log " + outcomes.getOrDefault(id, "unknown") + ")");
            }
        });
        return suspects.isEmpty() ? "" : "; transfers of that amount: " + String.join(", ", suspects);
    }
}
