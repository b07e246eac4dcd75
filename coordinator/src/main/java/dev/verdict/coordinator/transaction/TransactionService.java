package dev.verdict.coordinator.transaction;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Service;

import dev.verdict.coordinator.branch.Branch;
import dev.verdict.coordinator.branch.BranchRepository;
import dev.verdict.coordinator.branch.BranchState;
import dev.verdict.coordinator.config.CoordinatorProperties;
import dev.verdict.coordinator.log.NewBranch;
import dev.verdict.coordinator.log.RegistrationOutcome;
import dev.verdict.coordinator.log.TransactionLog;
import dev.verdict.coordinator.participant.ParticipantUrls;
import dev.verdict.coordinator.security.Credentials;
import dev.verdict.coordinator.security.Credentials.Caller;
import dev.verdict.coordinator.security.Role;
import dev.verdict.coordinator.security.SecurityProperties;

/** Begins, registers into, commits and rolls back global transactions: what the REST API asks for. */
@Service
public class TransactionService {

    private static final Logger log = LoggerFactory.getLogger(TransactionService.class);

    private final TransactionRepository transactions;
    private final BranchRepository branches;
    private final TransactionLog transactionLog;
    private final TwoPhaseCommit twoPhaseCommit;
    private final TransactionDriver driver;
    private final CoordinatorIdentity identity;
    private final CoordinatorProperties properties;
    private final Clock clock;
    private final ParticipantUrls participantUrls;
    private final Credentials credentials;
    private final SecurityProperties security;
    private final NewTransactions newTransactions;
    private final ReceiptBranches receiptBranches;

    TransactionService(TransactionRepository transactions, BranchRepository branches, TransactionLog transactionLog,
            TwoPhaseCommit twoPhaseCommit, TransactionDriver driver, CoordinatorIdentity identity,
            CoordinatorProperties properties, Clock clock, ParticipantUrls participantUrls, Credentials credentials,
            SecurityProperties security, NewTransactions newTransactions, ReceiptBranches receiptBranches) {
        this.receiptBranches = receiptBranches;
        this.participantUrls = participantUrls;
        this.credentials = credentials;
        this.security = security;
        this.newTransactions = newTransactions;
        this.transactions = transactions;
        this.branches = branches;
        this.transactionLog = transactionLog;
        this.twoPhaseCommit = twoPhaseCommit;
        this.driver = driver;
        this.identity = identity;
        this.properties = properties;
        this.clock = clock;
    }

    public GlobalTransaction begin(NewTransactions.Request request, Caller caller) {
        return newTransactions.begin(request, caller);
    }

    /**
     * The transaction as {@code caller} may see it: whole for the client that began it; with only its own
     * branches for a participant that takes part in it; refused to anyone else.
     */
    public TransactionDetails detailsFor(String id, Caller caller) {
        TransactionDetails details = details(id);
        if (caller.has(Role.CLIENT) && caller.name().equals(details.transaction().client())) {
            return details;
        }
        List<Branch> own = details.branches().stream().filter(branch -> caller.name().equals(branch.registeredBy())).toList();
        if (caller.has(Role.PARTICIPANT) && !own.isEmpty()) {
            return new TransactionDetails(details.transaction(), own);
        }
        throw notYours(id, caller);
    }

    private void requireBegunBy(GlobalTransaction transaction, Caller caller) {
        if (!caller.name().equals(transaction.client())) {
            throw notYours(transaction.id(), caller);
        }
    }

    static RefusedException notYours(String id, Caller caller) {
        return new RefusedException(Refusal.NOT_YOURS, "transaction " + id + " was not begun by '" + caller.name()
                + "', and '" + caller.name() + "' has no branch in it");
    }

    public TransactionDetails details(String id) {
        GlobalTransaction transaction = find(id);
        return new TransactionDetails(transaction, branches.findByTransactionId(id));
    }

    /**
     * Adds a participant's branch to an active transaction; a participant that registers again with the
     * same URL gets its existing branch back, so a retried registration does not make a second branch.
     */
    public Registration register(String id, String participantName, String url, Caller caller) {
        return register(id, participantName, url, null, false, caller);
    }

    /**
     * As {@link #register(String, String, String, Caller)}; with {@code prepared}, the participant has prepared
     * its branch already, under {@code branchId}, and commit will not ask it to prepare.
     */
    public Registration register(String id, String participantName, String url, @Nullable String branchId, boolean prepared,
            Caller caller) {
        String refusal = participantUrls.refusal(url);
        if (refusal != null) {
            throw new RefusedException(Refusal.URL_NOT_ALLOWED, "the coordinator would not call " + url + ": " + refusal
                    + "; an operator allows participant URLs with verdict.security.allowed-participant-urls");
        }
        if (credentials.signingSecretFor(participantName).isEmpty()) {
            throw new RefusedException(Refusal.NO_SIGNING_SECRET, "no signing secret is configured for participant '"
                    + participantName + "', so the coordinator could not sign its calls to it; configure"
                    + " verdict.security.signing-secrets." + participantName);
        }
        var request = new NewBranch(participantName, url, caller.name(), branchId, prepared);
        return switch (transactionLog.register(id, request, security.maxBranches(), clock.instant())) {
            case RegistrationOutcome.Registered registered -> {
                if (registered.created()) {
                    log.debug("Transaction {}: participant '{}' registered branch {} at {}", id, participantName,
                            registered.branch().id(), url);
                }
                yield new Registration(registered.branch(), registered.created());
            }
            case RegistrationOutcome.Refused refused -> throw new TransactionConflictException(refused.state(),
                    refused.timedOut() && refused.state() == TransactionState.ACTIVE
                            ? "transaction " + id + " has timed out; it is being aborted"
                            : "transaction " + id + " is " + refused.state() + "; participants can register only while it is ACTIVE");
            case RegistrationOutcome.UnknownTransaction unknown -> throw new TransactionNotFoundException(id);
            case RegistrationOutcome.TooManyBranches tooMany -> throw new RefusedException(Refusal.TOO_MANY_BRANCHES,
                    "transaction " + id + " has " + tooMany.max() + " branches already, as many as verdict.security.max-branches allows");
            case RegistrationOutcome.UrlTakenByAnother taken -> throw new RefusedException(Refusal.URL_TAKEN,
                    "another participant registered " + url + " in transaction " + id);
            case RegistrationOutcome.OtherBranchRegistered other -> throw new RefusedException(Refusal.URL_TAKEN,
                    "this participant registered " + url + " in transaction " + id + " already, as branch "
                            + other.existing().id() + "; one URL takes part in a transaction with one branch");
            case RegistrationOutcome.BranchIdTaken taken -> throw new RefusedException(Refusal.BRANCH_ID_TAKEN,
                    "branch id " + branchId + " is already the id of another branch; choose a new one (a random UUID, say)");
        };
    }

    /**
     * Runs two-phase commit. Returns the transaction as it ends up: COMMITTED, COMMITTING when the
     * decision is logged but a branch has not acknowledged yet, or ABORTED/ABORTING with the reason. With
     * {@code answerAtDecision}, answers as soon as the decision is logged, with phase 2 finishing in the
     * background (COMMITTING or ABORTING). The branches of the participants' {@code receipts} join the
     * transaction first, as their registrations would have. A receipt the transaction cannot take aborts it,
     * since the participant's work would not count; a receipt that comes after the decision, of a branch the
     * decision does not include, is refused (that branch is rolled back). With {@code next}, a commit that
     * reaches its decision begins the client's next transaction too, in the decision's own write when it can.
     */
    public Finished commit(String id, boolean answerAtDecision, List<String> receipts, NewTransactions.@Nullable Request next,
            Caller caller) {
        try (var ignored = MDC.putCloseable("txId", id)) {
            GlobalTransaction transaction = find(id);
            requireBegunBy(transaction, caller);
            List<NewBranch> received = receiptBranches.of(id, receipts);
            GlobalTransaction nextOne = newTransactions.next(next, caller);
            if (!received.isEmpty()) {
                TransactionDetails done = decideAtOnce(transaction, received, nextOne, answerAtDecision);
                if (done != null) {
                    return newTransactions.loggedWith(done, nextOne);
                }
                String refused = receiptBranches.join(id, received);
                if (refused != null) {
                    driver.abort(id, TransactionState.ACTIVE, refused);
                }
                transaction = find(id);
                if (transaction.state() != TransactionState.ACTIVE) {
                    receiptBranches.requireIncluded(transaction, received);
                }
            }
            return commit(transaction, answerAtDecision, nextOne, caller);
        }
    }

    /**
     * The usual case of receipts: every branch the log has came prepared, so the receipts' branches join and the
     * commit is decided in one write. Null when that does not apply; the commit then takes the ordinary path.
     */
    private @Nullable TransactionDetails decideAtOnce(GlobalTransaction transaction, List<NewBranch> received,
            @Nullable GlobalTransaction next, boolean answerAtDecision) {
        if (transaction.state() != TransactionState.ACTIVE || !transaction.expiresAt().isAfter(clock.instant())) {
            return null;
        }
        List<Branch> registered = branches.findByTransactionId(transaction.id());
        if (!registered.stream().allMatch(branch -> branch.state() == BranchState.PREPARED)) {
            return null;
        }
        return twoPhaseCommit.decideCommitOfPreparedBranches(transaction, registered, received, security.maxBranches(),
                next, answerAtDecision);
    }

    private Finished commit(GlobalTransaction transaction, boolean answerAtDecision, @Nullable GlobalTransaction next,
            Caller caller) {
        String id = transaction.id();
        switch (transaction.state()) {
            case ACTIVE -> {
                Instant now = clock.instant();
                List<Branch> registered = branches.findByTransactionId(id);
                if (!transaction.expiresAt().isAfter(now)) {
                    driver.abort(id, TransactionState.ACTIVE, "timed out at " + transaction.expiresAt() + " before commit was asked");
                } else if (!registered.isEmpty() && registered.stream().allMatch(branch -> branch.state() == BranchState.PREPARED)) {
                    TransactionDetails done = twoPhaseCommit.decideCommitOfPreparedBranches(transaction, registered, List.of(),
                            security.maxBranches(), next, answerAtDecision);
                    return done != null ? newTransactions.loggedWith(done, next) : commit(find(id), answerAtDecision, next, caller);
                } else if (transactionLog.startPreparing(id, identity.owner(), now.plus(properties.lease()), now)) {
                    log.debug("Transaction {} PREPARING", id);
                    TransactionDetails done = twoPhaseCommit.prepareAndDecide(transaction, answerAtDecision);
                    if (done != null) {
                        return newTransactions.answer(done, next, TransactionState.COMMITTING);
                    }
                } else {
                    return commit(find(id), answerAtDecision, next, caller);
                }
            }
            case PREPARING -> throw new TransactionConflictException(transaction.state(),
                    "transaction " + id + " is already being committed; ask for its state with GET");
            case COMMITTING, ABORTING -> driver.driveIfUndriven(id);
            case COMMITTED, ABORTED -> {
                // a repeated request: answer with the outcome already reached
            }
        }
        return newTransactions.answer(details(id), next, TransactionState.COMMITTING);
    }

    /** The transaction as the log has it, once an end of phase 2 this node has queued for it is written. */
    private GlobalTransaction find(String id) {
        transactionLog.phaseTwo().settle(id);
        return transactions.find(id).orElseThrow(() -> new TransactionNotFoundException(id));
    }

    /**
     * Aborts the transaction. Refused once a commit decision is logged. The branches of {@code receipts} join
     * the transaction first, so that the abort reaches them at once rather than through their participants'
     * recovery. With {@code next}, begins the client's next transaction too.
     */
    public Finished rollback(String id, List<String> receipts, NewTransactions.@Nullable Request next, Caller caller) {
        try (var ignored = MDC.putCloseable("txId", id)) {
            GlobalTransaction transaction = find(id);
            requireBegunBy(transaction, caller);
            List<NewBranch> received = receiptBranches.of(id, receipts);
            GlobalTransaction nextOne = newTransactions.next(next, caller);
            if (!received.isEmpty() && transaction.state() == TransactionState.ACTIVE) {
                receiptBranches.join(id, received);
            }
            return newTransactions.answer(abortByClient(id), nextOne, TransactionState.ABORTING);
        }
    }

    private TransactionDetails abortByClient(String id) {
        GlobalTransaction transaction = find(id);
        switch (transaction.state()) {
            case ACTIVE, PREPARING -> {
                if (!driver.abort(id, transaction.state(), "rolled back by the client")) {
                    return abortByClient(id);
                }
            }
            case ABORTING -> driver.driveIfUndriven(id);
            case COMMITTING, COMMITTED -> throw new IllegalTransitionException(transaction.state(), TransactionState.ABORTING);
            case ABORTED -> {
                // a repeated request
            }
        }
        return details(id);
    }

    /** A branch and whether this registration made it. */
    public record Registration(Branch branch, boolean created) {
    }
}
