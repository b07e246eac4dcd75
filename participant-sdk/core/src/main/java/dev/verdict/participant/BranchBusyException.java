package dev.verdict.participant;

/** A business request is still working in the branch; the coordinator's call should be retried. */
public class BranchBusyException extends RuntimeException {

    public BranchBusyException(String message) {
        super(message);
    }
}
