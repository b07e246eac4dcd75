package dev.verdict.participant.autoconfigure;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the Verdict SDK, under {@code verdict}.
 *
 * @param coordinatorUrl base URL of the coordinator, such as {@code http://localhost:8080}; the SDK stays off without it
 * @param verifyCoordinatorOnStartup whether start-up fails when the coordinator cannot be reached
 * @param requestTimeout how long a call to the coordinator (begin, register, commit) may take
 * @param participant settings of the participant side
 */
@ConfigurationProperties("verdict")
public record VerdictProperties(
        @Nullable String coordinatorUrl,
        @DefaultValue("true") boolean verifyCoordinatorOnStartup,
        @DefaultValue("60s") Duration requestTimeout,
        @DefaultValue Participant participant) {

    /**
     * @param name the name this service registers its branches under; defaults to {@code spring.application.name}
     * @param advertisedUrl the base URL at which the coordinator reaches this service's participant endpoints;
     *        defaults to {@code http://localhost:<port>/verdict/participant}
     * @param branchTimeout how long a branch may stay unprepared before this service rolls it back on its own;
     *        keep it longer than the coordinator's transaction timeout
     * @param lockTimeout how long a coordinator call waits for a business request still working in the branch
     * @param lockWaitTimeout how long a statement in a branch waits for a row lock before failing; this is what
     *        breaks a deadlock between two global transactions that lock rows in two databases in opposite order
     * @param recoveryInterval how often branches found prepared in the database without a live coordinator call
     *        (left by a crash of this service) are resolved by asking the coordinator
     * @param orphanTimeout how long a prepared branch of ours that the coordinator has no record of is kept before
     *        it is rolled back
     * @param markerRetention how long the commit marker of each branch is kept (the proof, after a crash, that a
     *        branch committed)
     * @param crashPoint for crash tests only: the named point at which the service halts at once
     * @param enabled whether this service takes part in global transactions with its database
     */
    public record Participant(
            @Nullable String name,
            @Nullable String advertisedUrl,
            @DefaultValue("5m") Duration branchTimeout,
            @DefaultValue("10s") Duration lockTimeout,
            @DefaultValue("5s") Duration lockWaitTimeout,
            @DefaultValue("10s") Duration recoveryInterval,
            @DefaultValue("2m") Duration orphanTimeout,
            @DefaultValue("7d") Duration markerRetention,
            @Nullable String crashPoint,
            @DefaultValue("true") boolean enabled) {
    }
}
