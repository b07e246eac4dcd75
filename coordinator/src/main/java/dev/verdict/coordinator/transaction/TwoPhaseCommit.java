package dev.verdict.coordinator.transaction;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.verdict.coordinator.branch.Branch;
import dev.verdict.coordinator.branch.BranchRepository;
import dev.verdict.coordinator.branch.BranchState;
import dev.verdict.coordinator.participant.ParticipantClient;
import dev.verdict.coordinator.participant.Vote;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Drives a transaction through the two phases. Phase 2 ({@link #finish}) reads everything it needs
 * from the log and is safe to run again from any point, so recovery after a crash runs the very same
 * code as the happy path.
 */
@Component
public class TwoPhaseCommit {

    private static final Logger log = LoggerFactory.getLogger(TwoPhaseCommit.class);
    private static final Duration RETRY_UNFINISHED_AFTER = Duration.ofSeconds(5);

    private final TransactionRepository transactions;
    private final BranchRepository branches;
    private final ParticipantClient participants;
    private final ExecutorService participantCalls;
    private final CoordinatorIdentity identity;
    private final Clock clock;
    private final MeterRegistry meters;
    private final CrashPoints crashPoints;
    private final TransactionTemplate logWrites;
    private final TransactionHistory history;

    TwoPhaseCommit(TransactionRepository transactions, BranchRepository branches, ParticipantClient participants,
            ExecutorService participantCalls, CoordinatorIdentity identity, Clock clock, MeterRegistry meters,
            CrashPoints crashPoints, PlatformTransactionManager logTransactions, TransactionHistory history) {
        this.history = history;
        this.crashPoints = crashPoints;
        this.logWrites = new TransactionTemplate(logTransactions);
        this.transactions = transactions;
        this.branches = branches;
        this.participants = participants;
        this.participantCalls = participantCalls;
        this.identity = identity;
        this.clock = clock;
        this.meters = meters;
    }

    /**
     * Phase 1 for a transaction this thread has moved to PREPARING: collects every vote in parallel,
     * logs the decision, then runs phase 2.
     */
    void prepareAndDecide(String id) {
        List<Branch> registered = branches.findByTransactionId(id);
        Timer.Sample prepare = Timer.start(meters);
        List<CompletableFuture<Vote>> asked = registered.stream()
                .map(branch -> CompletableFuture.supplyAsync(() -> participants.prepare(branch), participantCalls))
                .toList();
        List<Vote> votes = asked.stream().map(CompletableFuture::join).toList();
        prepare.stop(meters.timer("verdict.phase.duration", "phase", "prepare"));
        String refusal = null;
        for (int i = 0; i < registered.size() && refusal == null; i++) {
            if (!votes.get(i).isYes()) {
                refusal = "participant '" + registered.get(i).participantName() + "' voted no: " + votes.get(i).detail();
            }
        }
        if (refusal == null) {
            crashPoints.reach(CrashPoints.BEFORE_DECISION);
        }
        String reason = refusal;
        // The votes and the decision are one write to the log, and the decision must be durable before any
        // participant hears it: this commits (on the H2 log, reaches the file) before phase 2 sends anything.
        boolean decided = Boolean.TRUE.equals(logWrites.execute(status -> {
            for (int i = 0; i < registered.size(); i++) {
                moveBranch(registered.get(i), switch (votes.get(i).kind()) {
                    case PREPARED -> BranchState.PREPARED;
                    case READ_ONLY -> BranchState.READ_ONLY;
                    case ABORT -> BranchState.REFUSED;
                }, votes.get(i).detail());
            }
            TransactionState decision = reason == null ? TransactionState.COMMITTING : TransactionState.ABORTING;
            boolean won = transactions.decide(id, "PREPARING", decision.name(), reason, clock.instant());
            if (won) {
                history.record(id, null, TransactionState.PREPARING, decision, reason);
            }
            return won;
        }));
        if (decided && reason == null) {
            log.info("Transaction {} decided COMMIT ({} branches prepared)", id, registered.size());
            crashPoints.reach(CrashPoints.AFTER_DECISION);
        } else if (decided) {
            log.info("Transaction {} decided ABORT: {}", id, reason);
        }
        finish(id);
    }

    /**
     * Phase 2: tells every unfinished branch the logged outcome. Branches that do not acknowledge
     * keep the transaction unfinished; it is handed to recovery, which calls this again later.
     * Does nothing for a transaction without a decision.
     */
    public void finish(String id) {
        GlobalTransaction transaction = transactions.findById(id).orElseThrow(() -> new TransactionNotFoundException(id));
        boolean commit = transaction.state() == TransactionState.COMMITTING;
        if (!commit && transaction.state() != TransactionState.ABORTING) {
            return;
        }
        BranchState target = commit ? BranchState.COMMITTED : BranchState.ROLLED_BACK;
        Consumer<Branch> call = commit ? participants::commit : participants::rollback;
        Timer.Sample phase2 = Timer.start(meters);
        List<CompletableFuture<Delivery>> sent = branches.findByTransactionId(id).stream()
                .filter(branch -> !branch.state().isFinished())
                .map(branch -> CompletableFuture.supplyAsync(() -> tell(branch, call, target), participantCalls))
                .toList();
        List<Delivery> deliveries = sent.stream().map(CompletableFuture::join).toList();
        phase2.stop(meters.timer("verdict.phase.duration", "phase", commit ? "commit" : "rollback"));

        // Acknowledgements are logged in one write; a crash before it only makes recovery send them again.
        boolean allAcknowledged = deliveries.stream().allMatch(Delivery::acknowledged);
        TransactionState end = commit ? TransactionState.COMMITTED : TransactionState.ABORTED;
        boolean finished = Boolean.TRUE.equals(logWrites.execute(status -> {
            for (Delivery delivery : deliveries) {
                if (delivery.acknowledged()) {
                    moveBranch(delivery.branch(), target, null);
                } else if (delivery.error() != null) {
                    branches.recordFailure(delivery.branch().id(), delivery.error(), clock.instant());
                }
            }
            if (allAcknowledged && transactions.finish(id, transaction.state().name(), end.name(), clock.instant())) {
                history.record(id, null, transaction.state(), end, null);
                return true;
            }
            if (allAcknowledged) {
                return false;
            }
            transactions.release(id, identity.owner(), clock.instant().plus(RETRY_UNFINISHED_AFTER));
            return false;
        }));
        if (finished) {
            meters.counter("verdict.transactions.finished", "outcome", end.name()).increment();
            log.info("Transaction {} {}", id, end);
        } else if (!allAcknowledged) {
            log.warn("Transaction {} stays {}: not every branch acknowledged; recovery retries it", id, transaction.state());
        }
    }

    /** What became of one phase-2 call: acknowledged, failed with an error, or not made (breaker open). */
    private record Delivery(Branch branch, boolean acknowledged, @Nullable String error) {
    }

    /** A compare-and-set on the branch's state, allowed only along the state machine's edges. */
    private void moveBranch(Branch branch, BranchState to, @Nullable String detail) {
        if (!branch.state().canMoveTo(to)) {
            throw new IllegalStateException("branch " + branch.id() + " is " + branch.state() + " and cannot move to " + to);
        }
        if (branches.move(branch.id(), branch.state().name(), to.name(), detail, clock.instant())) {
            history.record(branch.transactionId(), branch.id(), branch.state(), to, detail);
        }
    }

    private Delivery tell(Branch branch, Consumer<Branch> call, BranchState target) {
        try {
            call.accept(branch);
            if (target == BranchState.COMMITTED) {
                crashPoints.reach(CrashPoints.AFTER_FIRST_COMMIT);
            }
            return new Delivery(branch, true, null);
        } catch (CallNotPermittedException e) {
            // Not called at all: the branch keeps the error that opened the breaker, and its attempt count.
            log.debug("Participant '{}' not called for transaction {}: circuit breaker open",
                    branch.participantName(), branch.transactionId());
            return new Delivery(branch, false, null);
        } catch (RuntimeException e) {
            String error = participants.describe(e);
            meters.counter("verdict.phase2.failures", "participant", branch.participantName()).increment();
            log.warn("Participant '{}' did not acknowledge {} of transaction {}: {}",
                    branch.participantName(), target, branch.transactionId(), error);
            return new Delivery(branch, false, error);
        }
    }
}
