package dev.verdict.participant;

/**
 * A branch this participant prepared at the end of a request, whose registration got no answer: the
 * coordinator may or may not have it. The branch stays prepared until the coordinator's outcome for it is
 * known, and the request fails, so that its client does not commit on top of it.
 */
public class BranchInDoubtException extends RuntimeException {

    public BranchInDoubtException(String message, Throwable cause) {
        super(message, cause);
    }
}
