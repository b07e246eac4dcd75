package dev.verdict.coordinator.config;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the coordinator, under {@code verdict.coordinator}.
 *
 * @param nodeId this coordinator's name, the prefix of every transaction id it makes; unique among
 *        the coordinators and transaction managers that share a log or a participant database
 * @param defaultTimeout how long a transaction may stay active when its client names no timeout
 * @param maxTimeout the longest timeout a client may ask for
 * @param prepareTimeout how long a participant has to answer prepare before its silence counts as a no
 * @param phase2Timeout how long one commit or rollback call may take before it is retried
 * @param connectTimeout how long to wait for a TCP connection to a participant
 * @param maxConnectionsPerParticipant how many connections to one participant may be open at once (kept alive and reused)
 * @param phaseTwoCallsInFlight how many phase-2 calls may be out at once to one participant that takes them sent
 *        together; the calls that queue up meanwhile go together in the next one
 * @param phaseTwoQueueWait how long a phase-2 call waits behind those out to its participant before it goes alone,
 *        past {@code phaseTwoCallsInFlight}: what one slow call can add to the others' phase 2
 * @param phaseTwoBatchSize the most branches one phase-2 call carries to a participant that takes them together
 *        (it says how many it takes; the smaller number counts); 1 sends every call alone
 * @param reuseConnections whether a connection to a participant is kept alive for later calls; {@code false} opens
 *        one per call (slower; the fault tests use it so that every call can meet a network fault)
 * @param lease how long one coordinator thread owns a transaction it is driving before recovery may take it over
 * @param recoveryInterval how often recovery looks for unfinished and expired transactions
 * @param recoveryBatchSize how many transactions one recovery pass takes on at most
 * @param retryBackoff how long recovery waits before it sends phase 2 again to a branch that did not acknowledge
 *        it; the wait doubles with each failed attempt
 * @param retryBackoffMax the longest wait between two phase-2 attempts
 * @param logRetention how long a finished transaction (committed or aborted) stays in the log, for the
 *        dashboard and for clients that ask about it, before it is pruned
 * @param logPruneInterval how often finished transactions past {@code logRetention} are pruned
 * @param decisionFile whether an H2 log forces its commit decisions to a small file of its own beside the log's
 *        ({@code <log>-decisions.mv.db}) instead of forcing the log's whole file; used only for an H2 log in a file
 *        opened through {@code sync:}, as the default URL opens it
 * @param decisionTrimInterval how often the H2 log's own file is forced and the decisions it then holds are
 *        dropped from the decision file
 * @param watchdogTimeout how long start-up recovery, a recovery pass or an API request may run before the
 *        {@code watchdog} health check (part of liveness) says the coordinator is stuck
 * @param crashPoint for crash tests only: the named point at which the coordinator halts at once
 */
@ConfigurationProperties("verdict.coordinator")
public record CoordinatorProperties(
        @DefaultValue("node1") String nodeId,
        @DefaultValue("60s") Duration defaultTimeout,
        @DefaultValue("1h") Duration maxTimeout,
        @DefaultValue("10s") Duration prepareTimeout,
        @DefaultValue("10s") Duration phase2Timeout,
        @DefaultValue("2s") Duration connectTimeout,
        @DefaultValue("128") int maxConnectionsPerParticipant,
        @DefaultValue("1") int phaseTwoCallsInFlight,
        @DefaultValue("32") int phaseTwoBatchSize,
        @DefaultValue("100ms") Duration phaseTwoQueueWait,
        @DefaultValue("true") boolean reuseConnections,
        @DefaultValue("30s") Duration lease,
        @DefaultValue("2s") Duration recoveryInterval,
        @DefaultValue("100") int recoveryBatchSize,
        @DefaultValue("2s") Duration retryBackoff,
        @DefaultValue("5m") Duration retryBackoffMax,
        @DefaultValue("1h") Duration logRetention,
        @DefaultValue("30s") Duration logPruneInterval,
        @DefaultValue("true") boolean decisionFile,
        @DefaultValue("1s") Duration decisionTrimInterval,
        @DefaultValue("2m") Duration watchdogTimeout,
        @Nullable String crashPoint) {

    public CoordinatorProperties {
        if (!nodeId.matches("[a-z0-9]{1,16}")) {
            throw new IllegalArgumentException("verdict.coordinator.node-id must be 1 to 16 lower-case letters or digits"
                    + " (it prefixes every transaction id and must fit an XA global transaction id), but was '" + nodeId + "'");
        }
        if (phaseTwoCallsInFlight < 1 || phaseTwoBatchSize < 1) {
            throw new IllegalArgumentException("verdict.coordinator.phase-two-calls-in-flight (" + phaseTwoCallsInFlight
                    + ") and phase-two-batch-size (" + phaseTwoBatchSize + ") must be at least 1; a batch size of 1 sends"
                    + " every phase-2 call alone");
        }
        if (lease.compareTo(prepareTimeout.plus(connectTimeout)) <= 0) {
            throw new IllegalArgumentException("verdict.coordinator.lease (" + lease + ") must be longer than"
                    + " prepare-timeout plus connect-timeout (" + prepareTimeout.plus(connectTimeout)
                    + "), or recovery could abort a transaction whose votes are still arriving");
        }
        Duration longestCommit = prepareTimeout.plus(connectTimeout).plus(phaseTwoQueueWait)
                .plus(phase2Timeout.plus(connectTimeout).multipliedBy(3));
        if (watchdogTimeout.compareTo(longestCommit) <= 0) {
            throw new IllegalArgumentException("verdict.coordinator.watchdog-timeout (" + watchdogTimeout + ") must be longer"
                    + " than a commit request can take, prepare-timeout plus three phase-2 attempts with their"
                    + " connect-timeout and one phase-two-queue-wait (" + longestCommit + "), or liveness would fail a coordinator that is only slow");
        }
    }
}
