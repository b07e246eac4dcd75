package dev.verdict.coordinator.branch;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** The life of one participant's branch, as the coordinator knows it. */
public enum BranchState {
    /** Registered by the participant; its work is not prepared yet. */
    REGISTERED,
    /** Voted yes and holds its work prepared until told the outcome. */
    PREPARED,
    /** Voted yes without changing anything; it needs no phase 2. */
    READ_ONLY,
    /** Voted no, failed or did not answer prepare in time. It may still hold prepared work, so it gets a rollback. */
    REFUSED,
    /** Acknowledged the commit. */
    COMMITTED,
    /** Acknowledged the rollback. */
    ROLLED_BACK,
    /**
     * Declared finished by an operator because its participant is gone for good: a heuristic outcome,
     * which nothing proves, kept visible as such forever.
     */
    RESOLVED_BY_HAND;

    private static final Map<BranchState, Set<BranchState>> NEXT = Map.of(
            REGISTERED, EnumSet.of(PREPARED, READ_ONLY, REFUSED, ROLLED_BACK, RESOLVED_BY_HAND),
            PREPARED, EnumSet.of(COMMITTED, ROLLED_BACK, RESOLVED_BY_HAND),
            REFUSED, EnumSet.of(ROLLED_BACK, RESOLVED_BY_HAND),
            RESOLVED_BY_HAND, EnumSet.noneOf(BranchState.class),
            READ_ONLY, EnumSet.noneOf(BranchState.class),
            COMMITTED, EnumSet.noneOf(BranchState.class),
            ROLLED_BACK, EnumSet.noneOf(BranchState.class));

    public boolean canMoveTo(BranchState next) {
        return NEXT.get(this).contains(next);
    }

    /** Whether phase 2 still has to reach this branch. */
    public boolean isFinished() {
        return NEXT.get(this).isEmpty();
    }
}
