package dev.verdict.participant;

/** The body of every call the coordinator makes to a participant: prepare, commit and rollback. */
public record BranchRequest(String transactionId, String branchId) {
}
