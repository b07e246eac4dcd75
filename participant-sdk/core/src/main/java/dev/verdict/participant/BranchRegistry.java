package dev.verdict.participant;

import java.time.Clock;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The branches this process holds open, one per global transaction, and the outcomes of those that
 * ended recently: repeated coordinator calls get the same answer from them, and work that arrives after
 * the end is refused.
 */
final class BranchRegistry {

    private static final Logger log = LoggerFactory.getLogger(BranchRegistry.class);
    private static final int REMEMBERED_OUTCOMES = 100_000;

    private final Clock clock;
    private final Map<String, XaBranch> live = new ConcurrentHashMap<>();
    private final Map<String, BranchStatus> outcomes = Collections.synchronizedMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, BranchStatus> eldest) {
            return size() > REMEMBERED_OUTCOMES;
        }
    });

    BranchRegistry(Clock clock) {
        this.clock = clock;
    }

    /** The live branch of the transaction, made (status NEW) if there is none. */
    XaBranch getOrCreate(String transactionId) {
        return live.computeIfAbsent(transactionId, id -> new XaBranch(id, clock.instant()));
    }

    /** The live branch with exactly this id, or null. */
    @Nullable XaBranch find(String transactionId, String branchId) {
        XaBranch branch = live.get(transactionId);
        return branch != null && branch.branchId().equals(branchId) ? branch : null;
    }

    /** Whether a live branch, whose own calls will finish it, is the one the database knows by {@code xid}. */
    boolean holds(BranchXid xid) {
        return find(xid.transactionId(), xid.branchId()) != null;
    }

    Collection<XaBranch> live() {
        return live.values();
    }

    int size() {
        return live.size();
    }

    /** How the transaction's branch ended here, if it did recently. */
    @Nullable BranchStatus outcomeOf(String transactionId) {
        return outcomes.get(transactionId);
    }

    void remember(String transactionId, BranchStatus outcome) {
        outcomes.put(transactionId, outcome);
    }

    /** Remembers a rollback unless an outcome is known already: late work of the transaction is then refused. */
    void rememberRollback(String transactionId) {
        outcomes.putIfAbsent(transactionId, BranchStatus.ROLLED_BACK);
    }

    /** Drops a branch that never got started, without an outcome, so the next request may try again. */
    void forget(XaBranch branch) {
        live.remove(branch.transactionId(), branch);
    }

    /** Ends a branch: its status and connection first, then the outcome is remembered and the branch let go. */
    void end(XaBranch branch, BranchStatus outcome) {
        branch.finish(outcome);
        outcomes.put(branch.transactionId(), outcome);
        live.remove(branch.transactionId(), branch);
    }

    /**
     * Stops holding a prepared branch whose connection died with its database: the database keeps the branch,
     * so it is left for the next coordinator call and for recovery to finish from a fresh connection.
     */
    void letGoOfDeadConnection(XaBranch branch) {
        branch.dropDeadConnection();
        live.remove(branch.transactionId(), branch);
        log.warn("Branch {} of transaction {}: its connection died with the database; it is finished from a new one",
                branch.branchId(), branch.transactionId());
    }

    /** Rolls back a branch that never voted yes, which this participant may always do on its own. */
    void endBeforePrepare(XaBranch branch) {
        branch.rollBackUnprepared();
        end(branch, BranchStatus.ROLLED_BACK);
        log.info("Branch {} of transaction {} rolled back before prepare", branch.branchId(), branch.transactionId());
    }

    /** What a crash does: every live branch and remembered outcome is gone. */
    void forgetEverything() {
        live.clear();
        outcomes.clear();
    }
}
