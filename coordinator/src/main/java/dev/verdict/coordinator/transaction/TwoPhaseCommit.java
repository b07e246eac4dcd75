package dev.verdict.coordinator.transaction;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

import dev.verdict.coordinator.branch.Branch;
import dev.verdict.coordinator.branch.BranchRepository;
import dev.verdict.coordinator.branch.BranchState;
import dev.verdict.coordinator.config.CoordinatorProperties;
import dev.verdict.coordinator.log.NewBranch;
import dev.verdict.coordinator.log.TransactionLog;
import dev.verdict.coordinator.log.TransactionLog.BranchFailure;
import dev.verdict.coordinator.log.TransactionLog.BranchMove;
import dev.verdict.coordinator.participant.ParticipantClient;
import dev.verdict.coordinator.participant.Vote;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.core.IntervalFunction;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Drives a transaction through the two phases; the caller holds its lease. Phase 2 ({@link #finish})
 * reads everything it needs from the log and is safe to run again from any point, so recovery after a
 * crash runs the very same code as the happy path.
 */
@Component
public class TwoPhaseCommit {

    private static final Logger log = LoggerFactory.getLogger(TwoPhaseCommit.class);

    private final TransactionRepository transactions;
    private final BranchRepository branches;
    private final TransactionLog transactionLog;
    private final ParticipantClient participants;
    private final ExecutorService participantCalls;
    private final CoordinatorIdentity identity;
    private final CoordinatorProperties properties;
    private final Clock clock;
    private final MeterRegistry meters;
    private final CrashPoints crashPoints;
    private final IntervalFunction retryBackoff;

    TwoPhaseCommit(TransactionRepository transactions, BranchRepository branches, TransactionLog transactionLog,
            ParticipantClient participants, ExecutorService participantCalls, CoordinatorIdentity identity,
            CoordinatorProperties properties, Clock clock, MeterRegistry meters, CrashPoints crashPoints) {
        this.transactions = transactions;
        this.branches = branches;
        this.transactionLog = transactionLog;
        this.participants = participants;
        this.participantCalls = participantCalls;
        this.identity = identity;
        this.properties = properties;
        this.clock = clock;
        this.meters = meters;
        this.crashPoints = crashPoints;
        this.retryBackoff = IntervalFunction.ofExponentialBackoff(properties.retryBackoff(), 2, properties.retryBackoffMax());
    }

    /**
     * Phase 1 for a transaction this thread has moved to PREPARING: collects the votes of the branches not
     * yet prepared, in parallel, logs the decision, then runs phase 2, or hands phase 2 to the background if
     * {@code answerAtDecision}. A branch that came prepared to its registration is asked nothing: it voted
     * yes then. Answers the transaction as this thread left it, or null if someone else decided it meanwhile.
     */
    @Nullable TransactionDetails prepareAndDecide(GlobalTransaction preparing, boolean answerAtDecision) {
        String id = preparing.id();
        List<Branch> registered = branches.findByTransactionId(id);
        List<Branch> unprepared = registered.stream().filter(branch -> branch.state() == BranchState.REGISTERED).toList();
        Timer.Sample prepare = Timer.start(meters);
        List<Vote> votes = inParallel(unprepared, participants::prepare);
        prepare.stop(meters.timer("verdict.phase.duration", "phase", "prepare"));
        String refusal = null;
        List<BranchMove> moves = new ArrayList<>(unprepared.size());
        for (int i = 0; i < unprepared.size(); i++) {
            Vote vote = votes.get(i);
            if (!vote.isYes() && refusal == null) {
                refusal = "participant '" + unprepared.get(i).participantName() + "' voted no: " + vote.detail();
            }
            moves.add(new BranchMove(unprepared.get(i), switch (vote.kind()) {
                case PREPARED -> BranchState.PREPARED;
                case READ_ONLY -> BranchState.READ_ONLY;
                case ABORT -> BranchState.REFUSED;
            }, vote.detail()));
        }
        if (refusal == null) {
            crashPoints.reach(CrashPoints.BEFORE_DECISION);
        }
        TransactionState decision = refusal == null ? TransactionState.COMMITTING : TransactionState.ABORTING;
        Instant now = clock.instant();
        Instant leaseUntil = now.plus(properties.lease());
        // The votes and the decision are one write to the log, and a commit decision reaches the disk
        // before any participant hears it: a crash after this point must end in commit everywhere.
        if (!transactionLog.decide(id, TransactionState.PREPARING, decision, moves, refusal, identity.owner(), leaseUntil, now)) {
            // A rollback or recovery decided first and drives phase 2 itself.
            log.info("Transaction {} was decided by someone else while preparing", id);
            return null;
        }
        if (refusal == null) {
            log.debug("Transaction {} decided COMMIT ({} branches prepared)", id, registered.size());
            crashPoints.reach(CrashPoints.AFTER_DECISION);
        } else {
            log.info("Transaction {} decided ABORT: {}", id, refusal);
            crashPoints.reach(CrashPoints.AFTER_ABORT_DECISION);
        }
        List<Branch> voted = registered.stream().map(branch -> moves.stream().filter(move -> move.branch().id().equals(branch.id()))
                .findFirst().map(move -> branch.movedTo(move.to(), move.detail(), now)).orElse(branch)).toList();
        return phase2(preparing.decided(decision, refusal, identity.owner(), leaseUntil, now), voted, answerAtDecision);
    }

    /**
     * Commit of an ACTIVE transaction whose {@code prepared} branches all came prepared to their registration,
     * and whose {@code received} branches come prepared with the commit's receipts: they join and the decision
     * is logged at once, in one forced write, with no phase 1, and the client's {@code next} transaction begun
     * in it; then phase 2 runs as after any commit decision.
     * Answers null, having changed nothing, if the log would not take that decision (the transaction moved,
     * timed out, has other branches now, or a receipt's branch cannot join); the caller then commits it the
     * ordinary way.
     */
    @Nullable TransactionDetails decideCommitOfPreparedBranches(GlobalTransaction active, List<Branch> prepared,
            List<NewBranch> received, int maxBranches, @Nullable GlobalTransaction next, boolean answerAtDecision) {
        String id = active.id();
        crashPoints.reach(CrashPoints.BEFORE_DECISION);
        Instant now = clock.instant();
        Instant leaseUntil = now.plus(properties.lease());
        List<Branch> decided = transactionLog.decideCommitOfPreparedBranches(id, prepared, received, maxBranches, next,
                identity.owner(), leaseUntil, now);
        if (decided == null) {
            return null;
        }
        log.debug("Transaction {} decided COMMIT ({} branches came prepared, {} of them by receipt)", id, decided.size(),
                received.size());
        crashPoints.reach(CrashPoints.AFTER_DECISION);
        return phase2(active.decided(TransactionState.COMMITTING, null, identity.owner(), leaseUntil, now), decided,
                answerAtDecision);
    }

    private TransactionDetails phase2(GlobalTransaction decided, List<Branch> branchesOfIt, boolean answerAtDecision) {
        if (answerAtDecision) {
            // Phase 2 goes on in the background under this run's lease; should this process die, recovery
            // takes it over when the lease runs out.
            String id = decided.id();
            participantCalls.execute(() -> {
                try (var mdc = MDC.putCloseable("txId", id)) {
                    finish(decided, branchesOfIt);
                } catch (RuntimeException e) {
                    log.warn("Phase 2 of transaction {} failed in the background; recovery finishes it", id, e);
                }
            });
            return new TransactionDetails(decided, branchesOfIt);
        }
        return finish(decided, branchesOfIt);
    }

    /**
     * Phase 2 of a transaction read from the log: see {@link #finish(GlobalTransaction, List)}. Answers null
     * for a transaction without a decision.
     */
    public @Nullable TransactionDetails finish(String id) {
        GlobalTransaction transaction = transactions.find(id).orElseThrow(() -> new TransactionNotFoundException(id));
        if (!transaction.state().isDecided() || transaction.state().isFinal()) {
            return null;
        }
        return finish(transaction, branches.findByTransactionId(id));
    }

    /**
     * Phase 2: tells every unfinished branch the logged outcome. Branches that do not acknowledge keep the
     * transaction unfinished; it is handed back to recovery, which calls this again after a backoff that
     * grows with the failed attempts. Answers the transaction and its branches as this thread left them.
     */
    private TransactionDetails finish(GlobalTransaction transaction, List<Branch> all) {
        String id = transaction.id();
        TransactionState decision = transaction.state();
        boolean commit = decision == TransactionState.COMMITTING;
        BranchState target = commit ? BranchState.COMMITTED : BranchState.ROLLED_BACK;
        List<Branch> unfinished = all.stream().filter(branch -> !branch.state().isFinished()).toList();
        Timer.Sample phase2 = Timer.start(meters);
        List<Delivery> deliveries = inParallel(unfinished, branch -> tell(branch, commit ? participants::commit : participants::rollback, target));
        phase2.stop(meters.timer("verdict.phase.duration", "phase", commit ? "commit" : "rollback"));

        List<BranchMove> acknowledged = new ArrayList<>();
        List<BranchFailure> failures = new ArrayList<>();
        int mostAttempts = 0;
        for (Delivery delivery : deliveries) {
            if (delivery.acknowledged()) {
                acknowledged.add(new BranchMove(delivery.branch(), target, null));
            } else {
                mostAttempts = Math.max(mostAttempts, delivery.branch().attempts() + 1);
                if (delivery.error() != null) {
                    failures.add(new BranchFailure(delivery.branch(), delivery.error()));
                }
            }
        }
        Instant now = clock.instant();
        List<Branch> after = afterPhase2(all, acknowledged, failures, now);
        if (acknowledged.size() < unfinished.size()) {
            Instant retryAt = now.plusMillis(retryBackoff.apply(Math.max(1, mostAttempts)));
            transactionLog.phaseTwo().retryLater(id, decision, acknowledged, failures, identity.owner(), retryAt, now);
            log.warn("Transaction {} stays {}: {} of {} branches did not acknowledge; recovery retries at {}", id, decision,
                    unfinished.size() - acknowledged.size(), unfinished.size(), retryAt);
            return new TransactionDetails(transaction, after);
        }
        // Every branch acknowledged, so the outcome is reached: the answer does not wait for the lazy write
        // that logs it. Reads of the transaction wait for that write (PhaseTwoWrites.settle). What follows the
        // write is a counter and a line, cheap enough for the log writer's thread.
        TransactionState end = decision.end();
        transactionLog.phaseTwo().finish(id, decision, acknowledged, now).whenComplete((won, failure) -> {
            if (failure != null) {
                log.warn("The end of transaction {} was not logged; recovery sends phase 2 again", id, failure);
            } else if (won) {
                meters.counter("verdict.transactions.finished", "outcome", end.name()).increment();
                log.info("Transaction {} {} ({} branches)", id, end, all.size());
            }
        });
        return new TransactionDetails(transaction.finished(end, now), after);
    }

    /** The branches as the log holds them after phase 2 wrote its acknowledgements and failures. */
    private static List<Branch> afterPhase2(List<Branch> all, List<BranchMove> acknowledged, List<BranchFailure> failures,
            Instant now) {
        return all.stream().map(branch -> {
            for (BranchMove ack : acknowledged) {
                if (ack.branch().id().equals(branch.id())) {
                    return branch.movedTo(ack.to(), null, now);
                }
            }
            for (BranchFailure failure : failures) {
                if (failure.branch().id().equals(branch.id())) {
                    return branch.failed(failure.error(), now);
                }
            }
            return branch;
        }).toList();
    }

    /**
     * Calls every branch at once, the first on this thread and the others on the participant-call pool,
     * and answers in the branches' order.
     */
    private <T> List<T> inParallel(List<Branch> targets, Function<Branch, T> call) {
        if (targets.isEmpty()) {
            return List.of();
        }
        List<CompletableFuture<T>> others = targets.subList(1, targets.size()).stream()
                .map(branch -> CompletableFuture.supplyAsync(() -> call.apply(branch), participantCalls))
                .toList();
        List<T> answers = new ArrayList<>(targets.size());
        answers.add(call.apply(targets.getFirst()));
        others.forEach(other -> answers.add(other.join()));
        return answers;
    }

    /** What became of one phase-2 call: acknowledged, failed with an error, or not made (breaker open). */
    private record Delivery(Branch branch, boolean acknowledged, @Nullable String error) {
    }

    private Delivery tell(Branch branch, Consumer<Branch> call, BranchState target) {
        try {
            call.accept(branch);
            crashPoints.reach(target == BranchState.COMMITTED ? CrashPoints.AFTER_FIRST_COMMIT : CrashPoints.AFTER_FIRST_ROLLBACK);
            return new Delivery(branch, true, null);
        } catch (CallNotPermittedException e) {
            // Not called at all: the branch keeps the error that opened the breaker.
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
