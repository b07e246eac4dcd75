package dev.verdict.participant;

import java.util.List;
import java.util.function.IntConsumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * Named places where a crash test can make the participant die on the spot ({@code Runtime.halt}), to
 * prove that recovery copes with a crash exactly there. The branch code reaches every point; only an
 * instance armed by a test, or by the test-only setting {@code verdict.participant.crash-point}, halts.
 */
public final class CrashPoints {

    /** The branch is prepared in the database, and the vote has not been answered yet. */
    public static final String AFTER_PREPARE = "after-prepare";
    /** The branch voted yes and the coordinator's commit has arrived, not yet carried out: it dies prepared. */
    public static final String BEFORE_COMMIT = "before-commit";
    /** The branch is committed in the database, and the coordinator has not been answered yet. */
    public static final String AFTER_COMMIT = "after-commit";

    private static final List<String> NAMES = List.of(AFTER_PREPARE, BEFORE_COMMIT, AFTER_COMMIT);
    private static final CrashPoints NONE = new CrashPoints(null, status -> {
    });

    private final @Nullable String armed;
    private final IntConsumer halt;

    CrashPoints(@Nullable String armed, IntConsumer halt) {
        this.armed = armed;
        this.halt = halt;
    }

    /** Crash points that never halt: what every service runs with. */
    public static CrashPoints none() {
        return NONE;
    }

    /** Crash points that halt the process with status 86 when the branch code reaches {@code name}. */
    public static CrashPoints armedAt(String name) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("verdict.participant.crash-point must be one of " + NAMES
                    + ", but was '" + name + "'");
        }
        return new CrashPoints(name, Runtime.getRuntime()::halt);
    }

    /** The point at which this instance halts, or null if it never does. */
    public @Nullable String armed() {
        return armed;
    }

    void reach(String name) {
        if (name.equals(armed)) {
            LoggerFactory.getLogger(CrashPoints.class).error("Crash point '{}' reached: halting now", name);
            halt.accept(86);
        }
    }
}
