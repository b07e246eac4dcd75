package dev.verdict.participant;

/** Work for a global transaction that this participant can no longer take part in (rolled back, timed out, finished). */
public class BranchRefusedException extends RuntimeException {

    public BranchRefusedException(String message) {
        super(message);
    }
}
