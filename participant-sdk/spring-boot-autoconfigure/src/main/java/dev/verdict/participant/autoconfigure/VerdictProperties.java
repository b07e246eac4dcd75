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
     * @param enabled whether this service takes part in global transactions with its database
     */
    public record Participant(
            @Nullable String name,
            @Nullable String advertisedUrl,
            @DefaultValue("5m") Duration branchTimeout,
            @DefaultValue("10s") Duration lockTimeout,
            @DefaultValue("5s") Duration lockWaitTimeout,
            @DefaultValue("true") boolean enabled) {
    }
}
