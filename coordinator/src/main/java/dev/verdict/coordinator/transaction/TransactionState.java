package dev.verdict.coordinator.transaction;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The life of a global transaction. The log holds exactly one of these per transaction, and every
 * change is a compare-and-set on the current value, so two actors (a timeout and a commit request,
 * or two recovery threads) can never both move the same transaction.
 *
 * <p>{@link #COMMITTING} is the logged commit decision: once a transaction is in it, every branch
 * will be committed, however often the coordinator restarts. Anything without that decision is
 * aborted when in doubt (presumed abort).
 */
public enum TransactionState {
    /** Begun; participants may register and do work. */
    ACTIVE,
    /** Phase 1: prepare sent to every branch, votes being collected. */
    PREPARING,
    /** Every branch voted yes and the decision is durable; phase 2 commit under way. */
    COMMITTING,
    /** Every branch acknowledged the commit. */
    COMMITTED,
    /** Decided to abort (rollback requested, a no vote, a timeout); rollbacks under way. */
    ABORTING,
    /** Every branch acknowledged the rollback. */
    ABORTED;

    private static final Map<TransactionState, Set<TransactionState>> NEXT = Map.of(
            // straight to COMMITTING when every branch came prepared to its registration: no phase 1 to run
            ACTIVE, EnumSet.of(PREPARING, COMMITTING, ABORTING),
            PREPARING, EnumSet.of(COMMITTING, ABORTING),
            COMMITTING, EnumSet.of(COMMITTED),
            COMMITTED, EnumSet.noneOf(TransactionState.class),
            ABORTING, EnumSet.of(ABORTED),
            ABORTED, EnumSet.noneOf(TransactionState.class));

    public boolean canMoveTo(TransactionState next) {
        return NEXT.get(this).contains(next);
    }

    /** Returns {@code next} if the move is allowed, and throws naming both states otherwise. */
    public TransactionState moveTo(TransactionState next) {
        if (!canMoveTo(next)) {
            throw new IllegalTransitionException(this, next);
        }
        return next;
    }

    /** The end a decision leads to once every branch has heard it: COMMITTED or ABORTED. */
    public TransactionState end() {
        return switch (this) {
            case COMMITTING -> COMMITTED;
            case ABORTING -> ABORTED;
            default -> throw new IllegalStateException(this + " is not a decision, so it has no end to reach");
        };
    }

    /** Whether the outcome is decided (commit or abort), so that only phase 2 remains. */
    public boolean isDecided() {
        return this == COMMITTING || this == COMMITTED || this == ABORTING || this == ABORTED;
    }

    public boolean isFinal() {
        return this == COMMITTED || this == ABORTED;
    }

    /** The names of {@code states}, for SQL parameters. */
    public static java.util.List<String> names(TransactionState... states) {
        return java.util.Arrays.stream(states).map(Enum::name).toList();
    }
}
