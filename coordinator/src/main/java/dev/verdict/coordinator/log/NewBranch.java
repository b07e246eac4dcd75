package dev.verdict.coordinator.log;

import org.jspecify.annotations.Nullable;

/**
 * A branch to register. A participant that prepares its work before registering ({@code prepared}) names
 * the branch itself ({@code chosenId}, the qualifier of its XA branch); otherwise the log names it. A branch
 * {@code byReceipt} came with the client's commit or rollback rather than from the participant.
 */
public record NewBranch(String participantName, String url, String registeredBy, @Nullable String chosenId, boolean prepared,
        boolean byReceipt) {

    public NewBranch(String participantName, String url, String registeredBy, @Nullable String chosenId, boolean prepared) {
        this(participantName, url, registeredBy, chosenId, prepared, false);
    }

    /** A prepared branch whose participant signed a receipt for it, which the client carried to the coordinator. */
    public static NewBranch fromReceipt(String participantName, String url, String principal, String branchId) {
        return new NewBranch(participantName, url, principal, branchId, true, true);
    }

    public NewBranch {
        if (prepared && chosenId == null) {
            throw new IllegalArgumentException("a branch registered prepared must come with the id it was prepared under");
        }
    }
}
