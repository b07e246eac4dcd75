package dev.verdict.coordinator.web;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

import dev.verdict.coordinator.branch.Branch;
import dev.verdict.coordinator.transaction.Finished;
import dev.verdict.coordinator.transaction.GlobalTransaction;
import dev.verdict.coordinator.transaction.NewTransactions;
import dev.verdict.coordinator.transaction.TransactionDetails;

/** The JSON records of the public REST API. Unknown fields in requests are ignored (Jackson 3's default), on purpose: older coordinators accept newer clients. */
public final class TransactionViews {

    private TransactionViews() {
    }

    /**
     * The body of a commit or rollback, which may be left out: the receipts of the branches that participants
     * prepared and returned to the client instead of registering them, and the client's next transaction, to
     * begin with this one's outcome instead of in a call of its own.
     */
    record FinishRequest(@Nullable List<String> receipts, @Nullable BeginRequest next) {

        List<String> receiptsOrNone() {
            return receipts == null ? List.of() : receipts;
        }
    }

    record BeginRequest(@Nullable Long timeoutSeconds, @Nullable String name) {

        NewTransactions.Request toRequest() {
            return new NewTransactions.Request(name, timeoutSeconds == null ? null : Duration.ofSeconds(timeoutSeconds));
        }
    }

    /**
     * A registration. {@code prepared: true} registers a branch the participant has already prepared, under the
     * {@code branchId} it chose (its XA branch exists before the coordinator hears of it), so that commit needs
     * no prepare call for it.
     */
    record RegisterRequest(@Nullable String name, @Nullable String url, @Nullable String branchId, @Nullable Boolean prepared) {
    }

    /** What a participant's recovery learns of one branch: whether the log has it, and what it must do. */
    record BranchOutcomeView(String transactionId, String branchId, boolean registered, String outcome) {
    }

    record RegistrationView(String transactionId, String branchId, String status) {
    }

    /** The public view of a transaction, for the admin API too. */
    public static Object of(TransactionDetails details) {
        return TransactionView.of(details);
    }

    /** A transaction; {@code next} only in the answer to a commit or rollback that began the client's next one. */
    record TransactionView(String id, @Nullable String name, String status, @Nullable String outcomeReason,
            Instant createdAt, Instant expiresAt, @Nullable Instant decidedAt, @Nullable Instant finishedAt,
            List<BranchView> branches, @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable TransactionView next) {

        static TransactionView of(GlobalTransaction transaction, List<Branch> branches) {
            return of(transaction, branches, null);
        }

        static TransactionView of(TransactionDetails details) {
            return of(details.transaction(), details.branches());
        }

        static TransactionView of(Finished finished) {
            return of(finished.details().transaction(), finished.details().branches(), finished.next());
        }

        private static TransactionView of(GlobalTransaction transaction, List<Branch> branches, @Nullable GlobalTransaction next) {
            return new TransactionView(transaction.id(), transaction.name(), transaction.state().name(),
                    transaction.outcomeReason(), transaction.createdAt(), transaction.expiresAt(), transaction.decidedAt(),
                    transaction.finishedAt(), branches.stream().map(BranchView::of).toList(),
                    next == null ? null : of(next, List.of()));
        }
    }

    record BranchView(String branchId, String name, String url, String status, @Nullable String voteDetail,
            @Nullable String lastError, int attempts, Instant registeredAt, Instant updatedAt) {

        static BranchView of(Branch branch) {
            return new BranchView(branch.id(), branch.participantName(), branch.url(), branch.state().name(),
                    branch.voteDetail(), branch.lastError(), branch.attempts(), branch.registeredAt(), branch.updatedAt());
        }
    }
}
