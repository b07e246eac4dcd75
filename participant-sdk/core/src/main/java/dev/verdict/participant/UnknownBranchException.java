package dev.verdict.participant;

/** The coordinator named a branch that this participant has no record of, so it cannot vouch for its outcome. */
public class UnknownBranchException extends RuntimeException {

    public UnknownBranchException(String message) {
        super(message);
    }
}
