package dev.verdict.protocol;

/**
 * The body of every call the coordinator makes to a participant about one branch (prepare, commit, rollback),
 * and each entry of a {@link PhaseTwoBatch}. Specified in src-docs/protocol.md and openapi.yaml.
 */
public record BranchRequest(String transactionId, String branchId) {
}
