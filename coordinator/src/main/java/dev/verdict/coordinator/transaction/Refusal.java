package dev.verdict.coordinator.transaction;

/** Why a well-formed request is refused, and with what status and problem type it is answered. */
public enum Refusal {
    /** A client asked about a transaction another client began, or a participant about one it takes no part in. */
    NOT_YOURS(403, "not-yours"),
    /** The participant URL is not one the coordinator may call (server-side request forgery). */
    URL_NOT_ALLOWED(403, "participant-url-not-allowed"),
    /** The coordinator has no secret to sign its calls to this participant with. */
    NO_SIGNING_SECRET(403, "no-signing-secret"),
    /** The transaction has as many branches as it may. */
    TOO_MANY_BRANCHES(409, "too-many-branches"),
    /** Another participant registered this URL in the transaction. */
    URL_TAKEN(409, "illegal-state"),
    /** The branch id a participant chose for its prepared branch is another branch's. */
    BRANCH_ID_TAKEN(409, "branch-id-taken"),
    /** A receipt that is not one, is for another transaction, or is not signed with its participant's secret. */
    INVALID_RECEIPT(400, "invalid-receipt"),
    /** A receipt of a branch that the transaction's logged decision does not include. */
    RECEIPT_AFTER_DECISION(409, "receipt-after-decision"),
    /** As many transactions are undecided as the coordinator takes at once. */
    TOO_MANY_TRANSACTIONS(429, "too-many-transactions");

    public final int status;
    public final String type;

    Refusal(int status, String type) {
        this.status = status;
        this.type = type;
    }
}
