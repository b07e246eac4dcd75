package dev.verdict.coordinator.log;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import dev.verdict.coordinator.branch.Branch;
import dev.verdict.coordinator.branch.BranchState;
import dev.verdict.coordinator.log.LogWriter.Durability;
import dev.verdict.coordinator.transaction.GlobalTransaction;
import dev.verdict.coordinator.transaction.TransactionState;

/**
 * The only way to change the durable state of a transaction or of a branch. Every change is a
 * compare-and-set along its state machine ({@link TransactionState}, {@link BranchState}), written with
 * its history in one database transaction, through the group commit of {@link LogWriter}. The expected steps
 * of a branch (joining by a receipt with the decision, a plain acknowledgement at the end) are named in its
 * transaction's history entry; every other change has an entry of its own. A method
 * that answers {@code false} lost the race: someone else moved the transaction first.
 *
 * <p>Two writes are forced to disk before their caller goes on: the commit decision, because no
 * participant may hear it before it is durable, and the start of phase 1, so that the log knows every
 * branch that may hold prepared work (on an H2 log, a commit decision is forced to its {@link DecisionFile}).
 * Presumed abort makes every other write safe to lose in a crash (a
 * transaction the log does not know, or knows only as undecided, is aborted), and phase 2 is sent again
 * until it is acknowledged.
 */
@Component
public class TransactionLog {

    /** The vote detail of a branch that came prepared to its registration. */
    static final String PREPARED_AT_REGISTRATION = "prepared before it registered";
    static final String PREPARED_BY_RECEIPT = "prepared before it registered, by a receipt the client carried";

    private final LogWriter writer;
    private final LeaseWrites leases;
    private final RegistrationWrites registrations;
    private final PreparedDecisions preparedDecisions;
    private final PhaseTwoWrites phaseTwo;

    TransactionLog(LogWriter writer) {
        this.writer = writer;
        this.leases = new LeaseWrites(writer);
        this.registrations = new RegistrationWrites(writer);
        this.preparedDecisions = new PreparedDecisions(writer);
        this.phaseTwo = new PhaseTwoWrites(writer);
    }

    /** The lease operations: who drives a transaction, and until when. */
    public LeaseWrites leases() {
        return leases;
    }

    /** Logs a new ACTIVE transaction. */
    public GlobalTransaction begin(GlobalTransaction transaction) {
        return begin(transaction, transaction.name());
    }

    /** Logs a new ACTIVE transaction, with {@code detail} in its first history entry (what began it). */
    public GlobalTransaction begin(GlobalTransaction transaction, @Nullable String detail) {
        return writer.write(Durability.LAZY, jdbc -> insert(jdbc, transaction, detail));
    }

    /** The row of a new ACTIVE transaction and its first history entry, as part of a write. */
    static GlobalTransaction insert(JdbcClient jdbc, GlobalTransaction transaction, @Nullable String detail) {
        insertRow(jdbc, transaction);
        History.record(jdbc, transaction.id(), null, null, transaction.state(), detail, transaction.createdAt());
        return transaction;
    }

    /** The row of a new ACTIVE transaction, whose first history entry the caller writes. */
    static void insertRow(JdbcClient jdbc, GlobalTransaction transaction) {
        if (transaction.state() != TransactionState.ACTIVE) {
            throw new IllegalArgumentException("a transaction begins ACTIVE, not " + transaction.state());
        }
        jdbc.sql("""
                INSERT INTO global_transaction (id, name, state, created_at, expires_at, updated_at, owner, lease_until, client)
                VALUES (:id, :name, :state, :createdAt, :expiresAt, :createdAt, :owner, :leaseUntil, :client)""")
                .param("id", transaction.id()).param("name", transaction.name()).param("client", transaction.client())
                .param("state", transaction.state().name()).param("createdAt", at(transaction.createdAt()))
                .param("expiresAt", at(transaction.expiresAt())).param("owner", transaction.owner())
                .param("leaseUntil", at(transaction.leaseUntil()))
                .update();
    }

    /**
     * Adds a branch to an ACTIVE transaction that has not timed out, or answers the branch this URL registered
     * before; see {@link RegistrationWrites}.
     */
    public RegistrationOutcome register(String transactionId, String participantName, String url, String registeredBy,
            int maxBranches, Instant now) {
        return register(transactionId, new NewBranch(participantName, url, registeredBy, null, false), maxBranches, now);
    }

    /**
     * As {@link #register(String, String, String, String, int, Instant)}, for a branch that may come prepared
     * under an id of its own. A repeated registration must name the same branch id, if it names one.
     */
    public RegistrationOutcome register(String transactionId, NewBranch request, int maxBranches, Instant now) {
        return registrations.register(transactionId, request, maxBranches, now);
    }

    /** Several branches joining one transaction in one write, each as {@link #register(String, NewBranch, int, Instant)}. */
    public List<RegistrationOutcome> registerAll(String transactionId, List<NewBranch> requests, int maxBranches, Instant now) {
        return registrations.registerAll(transactionId, requests, maxBranches, now);
    }

    /**
     * ACTIVE to PREPARING, taking the lease for {@code owner}, who now runs phase 1. Forced to disk, with
     * the registrations before it: no participant can prepare before the log knows every branch of the
     * transaction, so after any crash recovery can roll back promptly whatever was prepared, instead of
     * leaving prepared work, and its row locks, to the participants' own timeouts.
     */
    public boolean startPreparing(String id, String owner, Instant leaseUntil, Instant now) {
        TransactionState.ACTIVE.moveTo(TransactionState.PREPARING);
        return writer.write(Durability.FORCED, jdbc -> {
            boolean won = jdbc.sql("""
                    UPDATE global_transaction SET state = :to, updated_at = :now, owner = :owner, lease_until = :leaseUntil
                    WHERE id = :id AND state = :from""")
                    .param("to", TransactionState.PREPARING.name()).param("now", at(now)).param("owner", owner)
                    .param("leaseUntil", at(leaseUntil)).param("id", id).param("from", TransactionState.ACTIVE.name())
                    .update() == 1;
            if (won) {
                History.record(jdbc, id, null, TransactionState.ACTIVE, TransactionState.PREPARING, null, now);
            }
            return won;
        });
    }

    /**
     * ACTIVE straight to COMMITTING, with no phase 1 to run, the branches of {@code received} receipts joining
     * in the same forced write, and the client's {@code next} transaction begun in it too: see
     * {@link PreparedDecisions}. Answers every branch of the decision, or null, changing nothing (no next
     * transaction either), when the ordinary path must run instead.
     */
    public @Nullable List<Branch> decideCommitOfPreparedBranches(String id, List<Branch> branches, List<NewBranch> received,
            int maxBranches, @Nullable GlobalTransaction next, String owner, Instant leaseUntil, Instant now) {
        return preparedDecisions.decide(id, branches, received, maxBranches, next, owner, leaseUntil, now);
    }

    /** A branch's vote or acknowledgement: the state it moves to, with a detail for the history. */
    public record BranchMove(Branch branch, BranchState to, @Nullable String detail) {
    }

    /**
     * Logs the decision with the votes that led to it, and gives the lease to {@code owner}, who sends
     * phase 2. A commit decision is forced to disk before this returns, because no participant may hear
     * it before it is durable; an abort is not, because a lost abort is presumed anyway.
     */
    public boolean decide(String id, TransactionState from, TransactionState decision, List<BranchMove> votes,
            @Nullable String reason, String owner, Instant leaseUntil, Instant now) {
        from.moveTo(decision);
        if (decision != TransactionState.COMMITTING && decision != TransactionState.ABORTING) {
            throw new IllegalArgumentException("a decision is COMMITTING or ABORTING, not " + decision);
        }
        Function<JdbcClient, Boolean> write = jdbc -> {
            boolean won = jdbc.sql("""
                    UPDATE global_transaction SET state = :to, outcome_reason = :reason, decided_at = :now, updated_at = :now,
                        owner = :owner, lease_until = :leaseUntil
                    WHERE id = :id AND state = :from""")
                    .param("to", decision.name()).param("reason", reason).param("now", at(now)).param("owner", owner)
                    .param("leaseUntil", at(leaseUntil)).param("id", id).param("from", from.name())
                    .update() == 1;
            if (won) {
                votes.forEach(vote -> moveBranch(jdbc, vote, now));
                History.record(jdbc, id, null, from, decision, reason, now);
            }
            return won;
        };
        return decision == TransactionState.COMMITTING ? writer.decide(write, won -> won ? id : null)
                : writer.write(Durability.LAZY, write);
    }

    /** A phase-2 call that was not acknowledged, and why. */
    public record BranchFailure(Branch branch, String error) {
    }

    /** The writes that log what phase 2 achieved, and the wait of a read for them. */
    public PhaseTwoWrites phaseTwo() {
        return phaseTwo;
    }

    /**
     * Declares a branch finished by hand (RESOLVED_BY_HAND, a heuristic outcome kept for ever), with the
     * operator's audit entry in the same write.
     */
    public boolean resolveBranchByHand(Branch branch, String actor, String reason, Instant now) {
        String detail = "resolved by " + actor + ": " + reason;
        return writer.write(Durability.LAZY, jdbc -> moveBranch(jdbc, new BranchMove(branch, BranchState.RESOLVED_BY_HAND, detail), now));
    }

    /** An operator's action on a transaction: who, why, and what came of it. Never deleted. */
    public void audit(String transactionId, @Nullable String branchId, String action, String actor, String reason,
            String outcome, Instant now) {
        writer.write(Durability.LAZY, jdbc -> jdbc.sql("""
                INSERT INTO audit_entry (transaction_id, branch_id, action, actor, reason, outcome, occurred_at)
                VALUES (:transactionId, :branchId, :action, :actor, :reason, :outcome, :at)""")
                .param("transactionId", transactionId).param("branchId", branchId).param("action", action)
                .param("actor", actor).param("reason", reason).param("outcome", outcome).param("at", at(now))
                .update());
    }

    /**
     * Locks the transaction's row if it is ACTIVE and before its timeout. A row lock, not an update: a refused
     * registration leaves the row exactly as it was. Registrations and the decision without phase 1 take it,
     * so they are serialized even across coordinators sharing the log.
     */
    static boolean lockWhileActive(JdbcClient jdbc, String id, Instant now) {
        return jdbc.sql("""
                SELECT id FROM global_transaction
                WHERE id = :id AND state = :active AND expires_at > :now FOR UPDATE""")
                .param("now", at(now)).param("id", id).param("active", TransactionState.ACTIVE.name())
                .query(String.class).optional().isPresent();
    }

    static boolean moveBranch(JdbcClient jdbc, BranchMove move, Instant now) {
        return moveBranch(jdbc, move, now, true);
    }

    /**
     * A branch's compare-and-set; with {@code ownEntry} false the caller names the move in its transaction's
     * history entry instead.
     */
    static boolean moveBranch(JdbcClient jdbc, BranchMove move, Instant now, boolean ownEntry) {
        Branch branch = move.branch();
        if (!branch.state().canMoveTo(move.to())) {
            throw new IllegalStateException("branch " + branch.id() + " is " + branch.state() + " and cannot move to " + move.to());
        }
        boolean won = jdbc.sql("""
                UPDATE branch SET state = :to, vote_detail = COALESCE(:detail, vote_detail), updated_at = :now
                WHERE id = :id AND state = :from""")
                .param("to", move.to().name()).param("detail", move.detail()).param("now", at(now))
                .param("id", branch.id()).param("from", branch.state().name())
                .update() == 1;
        if (won && ownEntry) {
            History.record(jdbc, branch.transactionId(), branch.id(), branch.state(), move.to(), move.detail(), now);
        }
        return won;
    }

    /** The branches of transaction {@code id} as the log holds them, read within a write. */
    static List<Branch> branchesOf(JdbcClient jdbc, String id) {
        return jdbc.sql("SELECT * FROM branch WHERE transaction_id = :id").param("id", id).query(TransactionLog::branch).list();
    }

    static Branch branch(ResultSet rs, int row) throws SQLException {
        return new Branch(rs.getString("id"), rs.getString("transaction_id"), rs.getString("participant_name"),
                rs.getString("url"), BranchState.valueOf(rs.getString("state")), rs.getString("vote_detail"),
                rs.getString("last_error"), rs.getInt("attempts"), rs.getTimestamp("registered_at").toInstant(),
                rs.getTimestamp("updated_at").toInstant(), rs.getString("registered_by"));
    }

    static Timestamp at(Instant instant) {
        return Timestamp.from(instant);
    }
}
