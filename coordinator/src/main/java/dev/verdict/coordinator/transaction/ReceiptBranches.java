package dev.verdict.coordinator.transaction;

import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

import dev.verdict.coordinator.branch.Branch;
import dev.verdict.coordinator.branch.BranchRepository;
import dev.verdict.coordinator.log.NewBranch;
import dev.verdict.coordinator.log.RegistrationOutcome;
import dev.verdict.coordinator.log.TransactionLog;
import dev.verdict.coordinator.participant.ParticipantUrls;
import dev.verdict.coordinator.security.Credentials;
import dev.verdict.coordinator.security.SecurityProperties;
import dev.verdict.protocol.BranchReceipt;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The branches that a client's receipts stand for. A receipt is a prepared branch's registration that the
 * participant signed and the client carries; it counts only if it is for this transaction and signed with
 * the secret of the participant it names, so a client can leave a branch out but never make one up. Every
 * check a registration gets (allowed URL, a signing secret to call it with) applies, and the branches join the
 * transaction through the log's registration write.
 */
@Component
class ReceiptBranches {

    private final Credentials credentials;
    private final ParticipantUrls participantUrls;
    private final SecurityProperties security;
    private final TransactionLog transactionLog;
    private final BranchRepository branches;
    private final Clock clock;
    private final Counter accepted;

    ReceiptBranches(Credentials credentials, ParticipantUrls participantUrls, SecurityProperties security,
            TransactionLog transactionLog, BranchRepository branches, Clock clock, MeterRegistry meters) {
        this.accepted = meters.counter("verdict.receipts.accepted");
        this.credentials = credentials;
        this.participantUrls = participantUrls;
        this.security = security;
        this.transactionLog = transactionLog;
        this.branches = branches;
        this.clock = clock;
    }

    /** The branches, one per distinct receipt; refuses the whole list, changing nothing, if one receipt fails. */
    List<NewBranch> of(String transactionId, List<String> receipts) {
        if (receipts.size() > security.maxBranches()) {
            throw invalid("a transaction has at most " + security.maxBranches() + " branches (verdict.security.max-branches),"
                    + " but " + receipts.size() + " receipts came");
        }
        Set<String> seen = new HashSet<>();
        List<NewBranch> branches = receipts.stream().filter(seen::add).map(text -> branch(transactionId, text)).toList();
        accepted.increment(branches.size());
        return branches;
    }

    /**
     * Adds the branches of receipts to the transaction in one write. Answers why the transaction must abort when
     * one of them cannot join it for a reason of its own; null when all joined, or the transaction has simply
     * moved past ACTIVE (its state then answers the request).
     */
    @Nullable String join(String id, List<NewBranch> received) {
        List<RegistrationOutcome> outcomes = transactionLog.registerAll(id, received, security.maxBranches(), clock.instant());
        for (int i = 0; i < outcomes.size(); i++) {
            String why = switch (outcomes.get(i)) {
                case RegistrationOutcome.Registered registered -> null;
                case RegistrationOutcome.Refused refused -> null;
                case RegistrationOutcome.UnknownTransaction unknown -> throw new TransactionNotFoundException(id);
                case RegistrationOutcome.TooManyBranches tooMany -> "it would have more than " + tooMany.max() + " branches";
                case RegistrationOutcome.UrlTakenByAnother taken -> "another participant registered that URL";
                case RegistrationOutcome.OtherBranchRegistered other -> "that participant URL has branch " + other.existing().id()
                        + " in it already";
                case RegistrationOutcome.BranchIdTaken taken -> "that branch id is another branch's";
            };
            if (why != null) {
                NewBranch branch = received.get(i);
                return "the receipt of branch " + branch.chosenId() + " of '" + branch.participantName() + "' at " + branch.url()
                        + " could not join the transaction: " + why;
            }
        }
        return null;
    }

    /**
     * A transaction past ACTIVE takes no new branch: a commit's receipts must be of branches it has (a retried
     * commit), or the client would hear of a commit that leaves out work it asked to include.
     */
    void requireIncluded(GlobalTransaction transaction, List<NewBranch> received) {
        if (transaction.state() == TransactionState.ABORTING || transaction.state() == TransactionState.ABORTED) {
            return;
        }
        var logged = branches.findByTransactionId(transaction.id()).stream().map(Branch::id).collect(Collectors.toSet());
        for (NewBranch branch : received) {
            if (!logged.contains(branch.chosenId())) {
                throw new RefusedException(Refusal.RECEIPT_AFTER_DECISION, "transaction " + transaction.id() + " was "
                        + transaction.state() + " before the receipt of branch " + branch.chosenId() + " of '"
                        + branch.participantName() + "' reached it; that branch is not part of it and is rolled back");
            }
        }
    }

    private NewBranch branch(String transactionId, String text) {
        BranchReceipt receipt;
        try {
            receipt = BranchReceipt.read(text);
        } catch (IllegalArgumentException e) {
            throw invalid("not a receipt: " + e.getMessage());
        }
        if (!receipt.transactionId().equals(transactionId)) {
            throw invalid("the receipt of branch " + receipt.branchId() + " is for transaction " + receipt.transactionId()
                    + ", not " + transactionId);
        }
        if (!receipt.verify(credentials.signingSecretFor(receipt.participant()).orElse(null), text)) {
            throw invalid("the receipt of branch " + receipt.branchId() + " is not signed with the secret of participant '"
                    + receipt.participant() + "' (verdict.security.signing-secrets." + receipt.participant() + ")");
        }
        if (receipt.participant().length() > 100 || receipt.url().length() > 500 || !receipt.url().matches("https?://[^\\s]+")) {
            throw invalid("the receipt of branch " + receipt.branchId() + " names a participant of over 100 characters or a URL"
                    + " that is not an absolute http(s) URL of at most 500 characters");
        }
        String refusal = participantUrls.refusal(receipt.url());
        if (refusal != null) {
            throw new RefusedException(Refusal.URL_NOT_ALLOWED, "the coordinator would not call " + receipt.url() + ": "
                    + refusal + "; an operator allows participant URLs with verdict.security.allowed-participant-urls");
        }
        return NewBranch.fromReceipt(receipt.participant(), receipt.url(), receipt.principal(), receipt.branchId());
    }

    private static RefusedException invalid(String why) {
        return new RefusedException(Refusal.INVALID_RECEIPT, why);
    }
}
