package dev.verdict.coordinator.log;

import static dev.verdict.coordinator.log.TransactionLog.at;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.verdict.coordinator.branch.Branch;
import dev.verdict.coordinator.branch.BranchState;
import dev.verdict.coordinator.log.LogWriter.Durability;
import dev.verdict.coordinator.transaction.TimeOrderedIds;
import dev.verdict.coordinator.transaction.TransactionState;

/**
 * Registrations, for {@link TransactionLog}: a branch joins an ACTIVE transaction that has not timed out, or
 * a repeated registration gets its branch back. The check and the insert are one database transaction that
 * locks the transaction's row, so a registration and the end of ACTIVE (the move to PREPARING, or the
 * decision without phase 1) are serialized even across coordinators sharing the log: a branch is either in
 * the list that the commit reads, or refused.
 */
final class RegistrationWrites {

    private final LogWriter writer;

    RegistrationWrites(LogWriter writer) {
        this.writer = writer;
    }

    RegistrationOutcome register(String transactionId, NewBranch request, int maxBranches, Instant now) {
        return writer.write(Durability.LAZY, jdbc -> register(jdbc, transactionId, request, maxBranches, now));
    }

    /**
     * Several branches of one transaction, as one database transaction, each with the outcome it would have had
     * alone: the branches of a client's receipts, which join the transaction as the commit or rollback that
     * carries them arrives.
     */
    List<RegistrationOutcome> registerAll(String transactionId, List<NewBranch> requests, int maxBranches, Instant now) {
        return writer.write(Durability.LAZY, jdbc -> requests.stream()
                .map(request -> register(jdbc, transactionId, request, maxBranches, now)).toList());
    }

    private static RegistrationOutcome register(JdbcClient jdbc, String transactionId,
            NewBranch request, int maxBranches, Instant now) {
        if (!TransactionLog.lockWhileActive(jdbc, transactionId, now)) {
            return jdbc.sql("SELECT state, expires_at FROM global_transaction WHERE id = :id").param("id", transactionId)
                    .query((rs, row) -> (RegistrationOutcome) new RegistrationOutcome.Refused(
                            TransactionState.valueOf(rs.getString(1)), !rs.getTimestamp(2).toInstant().isAfter(now)))
                    .optional().orElseGet(RegistrationOutcome.UnknownTransaction::new);
        }
        List<Branch> registered = TransactionLog.branchesOf(jdbc, transactionId);
        RegistrationOutcome refusedOrKnown = admit(request, registered, maxBranches, chosen -> jdbc.sql(
                "SELECT COUNT(*) FROM branch WHERE id = :id").param("id", chosen).query(Long.class).single() > 0);
        return refusedOrKnown != null ? refusedOrKnown
                : new RegistrationOutcome.Registered(insert(jdbc, branchFor(transactionId, request, now)), true);
    }

    /**
     * The checks of a registration into a transaction whose row the caller has locked while ACTIVE, against
     * the branches it has ({@code registered}): the outcome when the registration is refused or finds its branch
     * registered before, null when the branch may be inserted. {@code idTaken} says whether a branch id the
     * participant chose is already some branch's.
     */
    static @Nullable RegistrationOutcome admit(NewBranch request, List<Branch> registered, int maxBranches,
            Predicate<String> idTaken) {
        Optional<Branch> existing = registered.stream().filter(branch -> branch.url().equals(request.url())).findFirst();
        // A participant may repeat its registration (a retry after a lost answer): it gets its branch back.
        if (existing.isPresent()) {
            if (!request.registeredBy().equals(existing.get().registeredBy())) {
                return new RegistrationOutcome.UrlTakenByAnother();
            }
            // the same branch only if registered the same way: a registration that does not come prepared
            // must not be handed a branch whose vote is already in, nor the other way round
            boolean camePrepared = TransactionLog.PREPARED_AT_REGISTRATION.equals(existing.get().voteDetail())
                    || TransactionLog.PREPARED_BY_RECEIPT.equals(existing.get().voteDetail());
            boolean sameBranch = request.prepared() == camePrepared
                    && (request.chosenId() == null || request.chosenId().equals(existing.get().id()));
            return sameBranch ? new RegistrationOutcome.Registered(existing.get(), false)
                    : new RegistrationOutcome.OtherBranchRegistered(existing.get());
        }
        if (registered.size() >= maxBranches) {
            return new RegistrationOutcome.TooManyBranches(maxBranches);
        }
        if (request.chosenId() != null && idTaken.test(request.chosenId())) {
            return new RegistrationOutcome.BranchIdTaken();
        }
        return null;
    }

    /** The branch a registration makes, not yet written. */
    static Branch branchFor(String transactionId, NewBranch request, Instant now) {
        return new Branch(request.chosenId() == null ? TimeOrderedIds.next() : request.chosenId(), transactionId,
                request.participantName(), request.url(), request.prepared() ? BranchState.PREPARED : BranchState.REGISTERED,
                preparedDetail(request), null, 0, now, now, request.registeredBy());
    }

    /** Writes a new branch of {@link #branchFor} and its history row; {@link #admit} said yes. */
    static Branch insert(JdbcClient jdbc, Branch branch) {
        insertRows(jdbc, List.of(branch));
        History.record(jdbc, branch.transactionId(), branch.id(), null, branch.state(), joining(branch), branch.registeredAt());
        return branch;
    }

    /**
     * Writes new branches in one statement (one round trip to a PostgreSQL log), without history rows of their
     * own, for a write whose transaction entry names them ({@link PreparedDecisions}).
     */
    static void insertRows(JdbcClient jdbc, List<Branch> branches) {
        if (branches.isEmpty()) {
            return;
        }
        StringBuilder sql = new StringBuilder("""
                INSERT INTO branch (id, transaction_id, participant_name, url, state, vote_detail, attempts, registered_at,
                    updated_at, registered_by) VALUES """);
        Map<String, Object> params = new HashMap<>();
        for (int i = 0; i < branches.size(); i++) {
            Branch branch = branches.get(i);
            sql.append(i == 0 ? "" : ", ").append("(:id%1$d, :transactionId%1$d, :name%1$d, :url%1$d, :state%1$d, :detail%1$d, 0,"
                    .formatted(i)).append(" :now%1$d, :now%1$d, :registeredBy%1$d)".formatted(i));
            params.put("id" + i, branch.id());
            params.put("transactionId" + i, branch.transactionId());
            params.put("name" + i, branch.participantName());
            params.put("url" + i, branch.url());
            params.put("state" + i, branch.state().name());
            params.put("detail" + i, branch.voteDetail());
            params.put("now" + i, at(branch.registeredAt()));
            params.put("registeredBy" + i, branch.registeredBy());
        }
        jdbc.sql(sql.toString()).params(params).update();
    }

    /** How the history tells a branch joining: who, where, and whether it came prepared. */
    static String joining(Branch branch) {
        return branch.participantName() + " at " + branch.url() + (branch.voteDetail() == null ? "" : ", " + branch.voteDetail());
    }

    private static @Nullable String preparedDetail(NewBranch request) {
        if (!request.prepared()) {
            return null;
        }
        return request.byReceipt() ? TransactionLog.PREPARED_BY_RECEIPT : TransactionLog.PREPARED_AT_REGISTRATION;
    }
}
