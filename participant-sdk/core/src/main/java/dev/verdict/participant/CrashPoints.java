package dev.verdict.participant;

import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * Named places where a test can make the participant die on the spot ({@code Runtime.halt}), to prove
 * that recovery copes with a crash exactly there. Armed only by the test-only setting
 * {@code verdict.participant.crash-point}; unarmed, {@link #reach} does nothing.
 */
public final class CrashPoints {

    /** The branch is prepared in the database, and the vote has not been answered yet. */
    public static final String AFTER_PREPARE = "after-prepare";
    /** The branch is committed in the database, and the coordinator has not been answered yet. */
    public static final String AFTER_COMMIT = "after-commit";

    private static volatile @Nullable String armed;

    private CrashPoints() {
    }

    public static void arm(@Nullable String name) {
        armed = name == null || name.isBlank() ? null : name;
    }

    static void reach(String name) {
        if (name.equals(armed)) {
            LoggerFactory.getLogger(CrashPoints.class).error("Crash point '{}' reached: halting now", name);
            Runtime.getRuntime().halt(86);
        }
    }
}
