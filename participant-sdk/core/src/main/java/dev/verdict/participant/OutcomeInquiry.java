package dev.verdict.participant;

/** Asks the coordinator what becomes of a branch this participant holds prepared. */
public interface OutcomeInquiry {

    enum Outcome {
        /** The branch is in a transaction decided commit: it must commit. */
        COMMIT,
        /**
         * The transaction aborted, or was never decided (presumed abort), or the branch is in no decision (it
         * prepared before registering, and the transaction went past ACTIVE without it): it must roll back.
         */
        ABORT,
        /** Not decided yet, or the branch's registration may still arrive: leave it prepared and ask again later. */
        PENDING,
        /** The coordinator has no record of the transaction. */
        UNKNOWN
    }

    Outcome outcomeOf(BranchXid branch);

    /** Whether the transaction was begun by the coordinator this participant asks (its node id prefixes the id). */
    boolean isOwnTransaction(String transactionId);
}
