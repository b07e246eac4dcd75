package dev.verdict.coordinator.log;

import static dev.verdict.coordinator.log.TransactionLog.at;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.verdict.coordinator.branch.Branch;
import dev.verdict.coordinator.branch.BranchState;
import dev.verdict.coordinator.transaction.GlobalTransaction;
import dev.verdict.coordinator.transaction.TransactionState;

/**
 * The commit decision without phase 1, for {@link TransactionLog}: ACTIVE straight to COMMITTING when every
 * branch came prepared, registered or by a receipt that the commit carries. One forced write locks the
 * transaction's row (as a registration does, so no branch can join meanwhile), checks that the log holds
 * exactly the branches the caller read, all prepared, admits the receipts' branches with a registration's
 * checks, and only if all of that holds inserts them and logs the decision, with the client's next transaction
 * if it asked for one. The decision's history entry names the branches that joined by receipt; they get no
 * entry of their own. Otherwise it writes nothing and the caller takes the ordinary path, which registers the
 * receipts one by one and says why one is refused.
 */
final class PreparedDecisions {

    private final LogWriter writer;

    PreparedDecisions(LogWriter writer) {
        this.writer = writer;
    }

    @Nullable List<Branch> decide(String id, List<Branch> branches, List<NewBranch> received, int maxBranches,
            @Nullable GlobalTransaction next, String owner, Instant leaseUntil, Instant now) {
        TransactionState.ACTIVE.moveTo(TransactionState.COMMITTING);
        return writer.decide(jdbc -> {
            if (!TransactionLog.lockWhileActive(jdbc, id, now)) {
                return null;
            }
            List<Branch> inLog = TransactionLog.branchesOf(jdbc, id);
            // the same set of branches (ids are unique on both sides), every one of them prepared
            Set<String> read = branches.stream().map(Branch::id).collect(Collectors.toSet());
            boolean same = inLog.size() == read.size()
                    && inLog.stream().allMatch(branch -> read.contains(branch.id()) && branch.state() == BranchState.PREPARED);
            if (!same) {
                return null;
            }
            List<Branch> all = new ArrayList<>(inLog);
            // which of the ids the receipts chose are some branch's already: one query for all of them
            Set<String> taken = new HashSet<>(idsTaken(jdbc, received));
            for (NewBranch receipt : received) {
                RegistrationOutcome known = RegistrationWrites.admit(receipt, all, maxBranches, taken::contains);
                if (known == null) {
                    Branch joining = RegistrationWrites.branchFor(id, receipt, now);
                    all.add(joining);
                    taken.add(joining.id());
                } else if (!(known instanceof RegistrationOutcome.Registered)) {
                    return null;
                }
            }
            if (all.isEmpty()) {
                return null;
            }
            // every receipt admitted: only now is anything written. The receipts' branches are named in the
            // decision's history entry instead of entries of their own (their rows say where and when they
            // joined): one history row instead of one per branch.
            List<Branch> joining = all.subList(inLog.size(), all.size());
            RegistrationWrites.insertRows(jdbc, joining);
            jdbc.sql("""
                    UPDATE global_transaction SET state = :to, decided_at = :now, updated_at = :now, owner = :owner,
                        lease_until = :leaseUntil
                    WHERE id = :id AND state = :from""")
                    .param("to", TransactionState.COMMITTING.name()).param("now", at(now)).param("owner", owner)
                    .param("leaseUntil", at(leaseUntil)).param("id", id).param("from", TransactionState.ACTIVE.name())
                    .update();
            List<History.Event> entries = new ArrayList<>(List.of(new History.Event(id, null, TransactionState.ACTIVE.name(),
                    TransactionState.COMMITTING.name(), detail(joining), now)));
            if (next != null) {
                TransactionLog.insertRow(jdbc, next);
                entries.add(new History.Event(next.id(), null, null, next.state().name(), "begun with the commit of " + id,
                        next.createdAt()));
            }
            History.recordAll(jdbc, entries);
            return List.copyOf(all);
        }, decided -> decided == null ? null : id);
    }

    private static List<String> idsTaken(JdbcClient jdbc, List<NewBranch> received) {
        List<String> chosen = received.stream().map(NewBranch::chosenId).filter(Objects::nonNull).toList();
        return chosen.isEmpty() ? List.of()
                : jdbc.sql("SELECT id FROM branch WHERE id IN (:ids)").param("ids", chosen).query(String.class).list();
    }

    static final String EVERY_BRANCH_PREPARED = "every branch was prepared when it registered";

    private static String detail(List<Branch> joining) {
        return joining.isEmpty() ? EVERY_BRANCH_PREPARED : EVERY_BRANCH_PREPARED + "; joined by receipt: "
                + joining.stream().map(Branch::participantName).collect(Collectors.joining(", "));
    }
}
