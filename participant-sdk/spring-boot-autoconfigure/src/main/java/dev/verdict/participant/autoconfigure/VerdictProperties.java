package dev.verdict.participant.autoconfigure;

import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the Verdict SDK, under {@code verdict}.
 *
 * @param coordinatorUrl base URL of the coordinator, such as {@code http://localhost:8080}; the SDK stays off without it
 * @param verifyCoordinatorOnStartup whether start-up fails when the coordinator cannot be reached
 * @param requestTimeout how long a call to the coordinator (begin, register, commit) may take
 * @param token the bearer token this service calls the coordinator with (a client's, a participant's, or one with both roles)
 * @param propagateTo the hosts the transaction header may be sent to, as host names or {@code *.domain} patterns, each
 *        with {@code :port} or not: the services that take part; calls to any other host never carry it
 * @param answerAtDecision whether {@code GlobalTransactions.commit} returns as soon as the coordinator has logged
 *        its commit decision, with phase 2 finishing in the background ({@code Prefer: respond-async}); by
 *        default it returns once every participant has committed
 * @param collectReceipts whether, in a transaction this service began, the participants it calls are asked to answer
 *        with a signed receipt of their prepared branch (those that prepare as their request ends) instead of
 *        registering it, and the receipts go to the coordinator with the commit or rollback: two calls to the
 *        coordinator and a log write fewer per participant
 * @param beginAhead whether a service that begins transactions often (the same name and timeout again within a
 *        second) asks each commit or rollback to begin its next transaction too, and takes that one at its next
 *        {@code begin} instead of calling the coordinator: a call and a log write fewer per transaction
 * @param participant settings of the participant side
 */
@ConfigurationProperties("verdict")
public record VerdictProperties(
        @Nullable String coordinatorUrl,
        @DefaultValue("true") boolean verifyCoordinatorOnStartup,
        @DefaultValue("60s") Duration requestTimeout,
        @DefaultValue("false") boolean answerAtDecision,
        @Nullable String token,
        @DefaultValue List<String> propagateTo,
        @DefaultValue("true") boolean collectReceipts,
        @DefaultValue("true") boolean beginAhead,
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
     * @param abandonedBranchCheck how long a branch may stay unprepared before recovery (every
     *        {@code recovery-interval}) asks the coordinator about its transaction; if the coordinator aborted it or
     *        has no record of it, the branch is rolled back at once instead of holding its row locks until
     *        {@code branch-timeout}
     * @param markerRetention how long the commit marker of each branch is kept (the proof, after a crash, that a
     *        branch committed)
     * @param maxBranchConnections how many XA connections to the service's database the open branches may hold at
     *        once; they are pooled and reused, and each is held from a transaction's first business call until its
     *        commit or rollback. A business call that finds all of them in use waits up to {@code lock-timeout} and
     *        then fails. Keep it below the database's connection limit, less what the service's own pool takes
     * @param prepareAtRequestEnd whether a business request prepares this service's branch as it ends, and only then
     *        registers it, already prepared: the coordinator then makes no prepare call, and the branch's
     *        connection and locks are held from the end of the request rather than from its start to a prepare call.
     *        Each global transaction may then send this service one request that touches the database; a second is
     *        refused (409). Off by default, so that a transaction may call a service several times
     * @param crashPoint for crash tests only: the named point at which the service halts at once
     * @param enabled whether this service takes part in global transactions with its database
     * @param signingSecret the secret the coordinator signs its calls to this participant with; calls not signed with it
     *        are refused
     * @param signatureMaxAge how far a call's signing time may be from this service's clock, and how long its nonce is
     *        remembered against replays
     * @param registrationCallsInFlight how many registration calls to the coordinator may be out at once; the
     *        registrations that arrive while that many are out wait, and go together in one call
     *        ({@code POST /api/v1/registrations}) as soon as one comes back. Alone, a registration goes at once
     * @param receipts whether a branch prepared as its request ends is answered with a receipt, instead of
     *        registered, when the client asks for one (it began the transaction and will carry the receipt to the
     *        coordinator); needs {@code signing-secret}, with which the receipt is signed
     * @param allowH2 whether the service may take part with an H2 database, which can lose committed work of a branch
     *        when the service is killed (see src-docs/sdk.md); off by default, so that only a demo or a test that
     *        says so runs a participant on H2
     */
    public record Participant(
            @Nullable String name,
            @Nullable String advertisedUrl,
            @DefaultValue("5m") Duration branchTimeout,
            @DefaultValue("10s") Duration lockTimeout,
            @DefaultValue("5s") Duration lockWaitTimeout,
            @DefaultValue("10s") Duration recoveryInterval,
            @DefaultValue("2m") Duration orphanTimeout,
            @DefaultValue("30s") Duration abandonedBranchCheck,
            @DefaultValue("7d") Duration markerRetention,
            @DefaultValue("64") int maxBranchConnections,
            @DefaultValue("false") boolean prepareAtRequestEnd,
            @Nullable String crashPoint,
            @DefaultValue("true") boolean enabled,
            @Nullable String signingSecret,
            @DefaultValue("5m") Duration signatureMaxAge,
            @DefaultValue("1") int registrationCallsInFlight,
            @DefaultValue("true") boolean receipts,
            @DefaultValue("false") boolean allowH2) {

        public Participant {
            if (abandonedBranchCheck.isNegative() || abandonedBranchCheck.isZero()) {
                throw new IllegalArgumentException("verdict.participant.abandoned-branch-check must be longer than zero"
                        + " (it is how long a branch may work before the coordinator is asked about it), but was "
                        + abandonedBranchCheck);
            }
            if (registrationCallsInFlight < 1) {
                throw new IllegalArgumentException("verdict.participant.registration-calls-in-flight must be at least 1"
                        + " (how many registration calls may be out at once), but was " + registrationCallsInFlight);
            }
            if (maxBranchConnections < 1) {
                throw new IllegalArgumentException("verdict.participant.max-branch-connections must be at least 1"
                        + " (every global transaction holds one connection here until its commit), but was "
                        + maxBranchConnections);
            }
        }
    }
}
