package dev.verdict.coordinator.transaction;

/**
 * Who this coordinator process is: its configured node id (prefix of every transaction id it makes)
 * and a run id that tells this run's leases from those a crashed earlier run left behind.
 */
public record CoordinatorIdentity(String nodeId, String runId) {

    /** The owner value written into the log for transactions this run drives. */
    public String owner() {
        return nodeId + "/" + runId;
    }

    /** A pattern matching the owner values of every run of this node, for a SQL LIKE. */
    public String ownerPattern() {
        return nodeId + "/%";
    }

    public String newTransactionId() {
        return nodeId + "-" + TimeOrderedIds.next();
    }
}
