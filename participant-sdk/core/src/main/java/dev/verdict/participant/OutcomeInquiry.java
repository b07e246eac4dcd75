package dev.verdict.participant;

/** Asks the coordinator how a global transaction ended, for branches found prepared after a restart. */
public interface OutcomeInquiry {

    enum Outcome {
        /** The commit is decided: the branch must commit. */
        COMMIT,
        /** The transaction aborted, or was never decided (presumed abort): the branch must roll back. */
        ABORT,
        /** Not decided yet: leave the branch prepared and ask again later. */
        PENDING,
        /** The coordinator has no record of the transaction. */
        UNKNOWN
    }

    Outcome outcomeOf(String transactionId);

    /** Whether the transaction was begun by the coordinator this participant asks (its node id prefixes the id). */
    boolean isOwnTransaction(String transactionId);
}
