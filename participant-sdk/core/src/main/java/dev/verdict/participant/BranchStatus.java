package dev.verdict.participant;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Where this participant's branch of one global transaction stands. Every change goes through
 * {@link #moveTo}, so the table below is the whole life of a branch.
 */
enum BranchStatus {
    /** Made, not yet registered with the coordinator nor started in the database. */
    NEW,
    /** Started; business work may be added. */
    ACTIVE,
    /** The business work failed; prepare will roll back and vote no. */
    ROLLBACK_ONLY,
    /** Voted yes: the work and its commit marker are prepared in the database, waiting for phase 2. */
    PREPARED,
    /**
     * Voted yes without changing anything, so no phase 2 is needed. The SDK does not vote this today
     * (it writes the commit marker into every branch), but answers it consistently should it ever.
     */
    READ_ONLY,
    COMMITTED,
    ROLLED_BACK;

    private static final Map<BranchStatus, Set<BranchStatus>> NEXT = Map.of(
            NEW, EnumSet.of(ACTIVE, ROLLED_BACK),
            ACTIVE, EnumSet.of(ROLLBACK_ONLY, PREPARED, READ_ONLY, ROLLED_BACK),
            ROLLBACK_ONLY, EnumSet.of(ROLLED_BACK),
            PREPARED, EnumSet.of(COMMITTED, ROLLED_BACK),
            READ_ONLY, EnumSet.noneOf(BranchStatus.class),
            COMMITTED, EnumSet.noneOf(BranchStatus.class),
            ROLLED_BACK, EnumSet.noneOf(BranchStatus.class));

    boolean canMoveTo(BranchStatus next) {
        return NEXT.get(this).contains(next);
    }

    /** Returns {@code next} if the move is allowed, and throws naming both statuses otherwise. */
    BranchStatus moveTo(BranchStatus next) {
        if (!canMoveTo(next)) {
            throw new IllegalBranchTransitionException(this, next);
        }
        return next;
    }

    boolean acceptsWork() {
        return this == NEW || this == ACTIVE;
    }

    /** Started and not prepared: the branch never voted yes, so this participant may always roll it back alone. */
    boolean awaitsPrepare() {
        return this == ACTIVE || this == ROLLBACK_ONLY;
    }

    boolean isFinal() {
        return NEXT.get(this).isEmpty();
    }
}
