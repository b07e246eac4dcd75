package dev.verdict.participant;

import java.time.Duration;

/** {@link BranchManager.Settings} for tests: short lock waits and otherwise a service's defaults, unless a test says. */
final class TestSettings {

    private Duration branchTimeout = Duration.ofMinutes(5);
    private Duration lockTimeout = Duration.ofSeconds(2);
    private Duration abandonedBranchCheck = Duration.ofSeconds(30);
    private int maxBranchConnections = 64;
    private boolean prepareAtRequestEnd;

    static TestSettings defaults() {
        return new TestSettings();
    }

    TestSettings branchTimeout(Duration timeout) {
        this.branchTimeout = timeout;
        return this;
    }

    TestSettings lockTimeout(Duration timeout) {
        this.lockTimeout = timeout;
        return this;
    }

    TestSettings maxBranchConnections(int max) {
        this.maxBranchConnections = max;
        return this;
    }

    TestSettings prepareAtRequestEnd() {
        this.prepareAtRequestEnd = true;
        return this;
    }

    BranchManager.Settings build() {
        return new BranchManager.Settings(branchTimeout, lockTimeout, Duration.ofSeconds(2), Duration.ofHours(1),
                Duration.ofMinutes(2), abandonedBranchCheck, Duration.ofDays(7), maxBranchConnections, prepareAtRequestEnd);
    }
}
