package dev.verdict.coordinator.log;

import dev.verdict.coordinator.branch.Branch;
import dev.verdict.coordinator.transaction.TransactionState;

/** What came of a registration. */
public sealed interface RegistrationOutcome {

    /** The branch of this participant URL: made now, or registered before. */
    record Registered(Branch branch, boolean created) implements RegistrationOutcome {
    }

    /** The transaction takes no more participants: it is past ACTIVE, or past its timeout. */
    record Refused(TransactionState state, boolean timedOut) implements RegistrationOutcome {
    }

    record UnknownTransaction() implements RegistrationOutcome {
    }

    /** The transaction has its {@code max} branches already. */
    record TooManyBranches(int max) implements RegistrationOutcome {
    }

    /** Another participant registered this URL in the transaction. */
    record UrlTakenByAnother() implements RegistrationOutcome {
    }

    /** This participant registered this URL in the transaction already, as another branch. */
    record OtherBranchRegistered(Branch existing) implements RegistrationOutcome {
    }

    /** The branch id the participant chose is the id of a branch already in the log. */
    record BranchIdTaken() implements RegistrationOutcome {
    }
}
