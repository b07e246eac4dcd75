package dev.verdict.coordinator.participant;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

import org.jspecify.annotations.Nullable;

import dev.verdict.coordinator.branch.Branch;
import dev.verdict.protocol.CallBatches;
import dev.verdict.protocol.CallBatches.Outcome;
import dev.verdict.protocol.PhaseTwoBatch;

/**
 * Which participants take phase-2 calls sent together, and the queue of each: one lane per participant URL and
 * action (commit or rollback), made when the participant first answers a call with
 * {@value PhaseTwoBatch#HEADER}, and dropped when its batch endpoint is gone. Through a lane, a call goes at
 * once while fewer than {@code callsInFlight} are out to that participant, and the calls that queue up
 * meanwhile go together in the next one ({@link CallBatches}). Participants that never offered batches
 * get no lane: every call goes alone, as the protocol has it.
 */
final class PhaseTwoLanes {

    /** Lanes kept at most: participant URLs past these go alone (URLs are operator-allowed, so few in practice). */
    private static final int MAX_LANES = 1024;

    /** One participant's queue for one action. */
    record Lane(String participant, String url, String action) {

        static Lane of(Branch branch, String action) {
            return new Lane(branch.participantName(), branch.url(), action);
        }
    }

    private final int callsInFlight;
    private final int batchSize;
    private final Duration queueWait;
    private final BiFunction<Branch, String, Boolean> alone;
    private final BiFunction<List<Branch>, String, List<Outcome<Boolean>>> together;
    private final Map<Lane, CallBatches<Branch, Boolean>> lanes = new ConcurrentHashMap<>();

    /**
     * @param batchSize the most branches in one call, at most what the participant offers; 1 sends each alone
     * @param alone one branch's call of an action, acknowledged or thrown
     * @param together one call for several branches of one participant, with an outcome for each
     */
    PhaseTwoLanes(int callsInFlight, int batchSize, Duration queueWait, BiFunction<Branch, String, Boolean> alone,
            BiFunction<List<Branch>, String, List<Outcome<Boolean>>> together) {
        this.callsInFlight = callsInFlight;
        this.batchSize = batchSize;
        this.queueWait = queueWait;
        this.alone = alone;
        this.together = together;
    }

    /** The lane of this branch's participant for {@code action}, or null if it never offered batches. */
    @Nullable CallBatches<Branch, Boolean> of(Branch branch, String action) {
        return lanes.get(Lane.of(branch, action));
    }

    /**
     * The participant of {@code branch} answered a call with {@code offer}, the value of {@value PhaseTwoBatch#HEADER}
     * (null if it sent none): makes its lanes once it offers batches of two or more branches.
     */
    void offered(Branch branch, @Nullable String offer) {
        if (offer == null || batchSize < 2 || lanes.containsKey(Lane.of(branch, "commit")) || lanes.size() >= MAX_LANES) {
            return;
        }
        int most;
        try {
            most = Math.min(batchSize, Integer.parseInt(offer.strip()));
        } catch (NumberFormatException notANumber) {
            return;
        }
        if (most < 2) {
            return;
        }
        for (String action : List.of("commit", "rollback")) {
            lanes.computeIfAbsent(Lane.of(branch, action), lane -> new CallBatches<>(callsInFlight, most, queueWait,
                    one -> alone.apply(one, action), several -> together.apply(several, action)));
        }
    }

    /** How many phase-2 calls wait behind those out to their participants. */
    int queued() {
        return lanes.values().stream().mapToInt(CallBatches::queued).sum();
    }

    /** The participant of {@code branch} no longer takes batches (its batch endpoint answered 404 or 405). */
    void withdrawn(Branch branch) {
        lanes.remove(Lane.of(branch, "commit"));
        lanes.remove(Lane.of(branch, "rollback"));
    }
}
