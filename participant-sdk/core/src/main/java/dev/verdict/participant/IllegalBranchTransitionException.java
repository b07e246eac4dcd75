package dev.verdict.participant;

/**
 * A change of a branch's status that its state machine does not allow, such as a commit after a
 * rollback. An {@code IllegalStateException}, so that one reaching a coordinator's call is answered as
 * the outcome conflict it is.
 */
final class IllegalBranchTransitionException extends IllegalStateException {

    IllegalBranchTransitionException(BranchStatus from, BranchStatus to) {
        super("a branch in status " + from + " cannot move to " + to);
    }
}
