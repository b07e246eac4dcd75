package dev.verdict.coordinator.transaction;

import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.verdict.coordinator.config.CoordinatorProperties;

/**
 * Named places where a crash test can make the coordinator die on the spot ({@code Runtime.halt}).
 * Armed only by the test-only setting {@code verdict.coordinator.crash-point}.
 */
@Component
public class CrashPoints {

    /** Every branch voted yes; the commit decision is not logged yet. Recovery must abort. */
    public static final String BEFORE_DECISION = "before-decision";
    /** The commit decision is logged; no branch has heard it yet. Recovery must commit every branch. */
    public static final String AFTER_DECISION = "after-decision";
    /** One branch acknowledged its commit; others may not have. Recovery must commit the rest. */
    public static final String AFTER_FIRST_COMMIT = "after-first-commit";
    /** A branch voted no and the abort decision is logged; no branch has heard the rollback. Recovery rolls back. */
    public static final String AFTER_ABORT_DECISION = "after-abort-decision";
    /** One branch acknowledged its rollback; others may not have. Recovery rolls back the rest. */
    public static final String AFTER_FIRST_ROLLBACK = "after-first-rollback";

    private final String armed;

    CrashPoints(CoordinatorProperties properties) {
        this.armed = properties.crashPoint() == null ? "" : properties.crashPoint();
    }

    void reach(String name) {
        if (armed.equals(name)) {
            LoggerFactory.getLogger(CrashPoints.class).error("Crash point '{}' reached: halting now", name);
            Runtime.getRuntime().halt(86);
        }
    }
}
