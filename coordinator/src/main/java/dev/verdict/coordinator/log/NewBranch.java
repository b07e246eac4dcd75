package dev.verdict.coordinator.log;

import org.jspecify.annotations.Nullable;

/**
 * A branch to register. A participant that prepares its work before registering ({@code prepared}) names
 * the branch itself ({@code chosenId}, the qualifier of its XA branch); otherwise the log names it.
 */
public record NewBranch(String participantName, String url, String registeredBy, @Nullable String chosenId, boolean prepared) {

    public NewBranch {
        if (prepared && chosenId == null) {
            throw new IllegalArgumentException("a branch registered prepared must come with the id it was prepared under");
        }
    }
}
