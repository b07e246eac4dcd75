package dev.verdict.coordinator.participant;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.verdict.coordinator.branch.Branch;
import dev.verdict.coordinator.branch.BranchState;
import dev.verdict.protocol.CallBatches.Outcome;

/**
 * A participant gets lanes (and so batches) only once it offers two or more branches a call; an answer without
 * the header, or with one that is not such a number, leaves every call alone, and so does a batch size of 1 on
 * the coordinator. A participant whose batch endpoint is gone loses its lanes.
 */
class PhaseTwoLanesTests {

    private final Branch alpha = branch("alpha", "http://alpha.example/verdict/participant");
    private final Branch beta = branch("beta", "http://beta.example/verdict/participant");

    @Test
    void aParticipantThatOffersTwoOrMoreGetsALaneForCommitAndForRollback() {
        PhaseTwoLanes lanes = lanes(32);

        lanes.offered(alpha, "100");

        assertThat(lanes.of(alpha, "commit")).isNotNull();
        assertThat(lanes.of(alpha, "rollback")).isNotNull();
        assertThat(lanes.of(beta, "commit")).as("another participant offered nothing").isNull();
    }

    @Test
    void noOfferOrOneThatIsNotTwoOrMoreLeavesEveryCallAlone() {
        PhaseTwoLanes lanes = lanes(32);

        for (String offer : new String[] {null, "", "1", "0", "-5", "lots", "2.5", "99999999999"}) {
            lanes.offered(alpha, offer);
        }

        assertThat(lanes.of(alpha, "commit")).isNull();
        lanes.offered(alpha, " 2 ");
        assertThat(lanes.of(alpha, "commit")).as("two, spaces around it").isNotNull();
    }

    @Test
    void aBatchSizeOfOneOnTheCoordinatorSendsEveryCallAlone() {
        PhaseTwoLanes lanes = lanes(1);

        lanes.offered(alpha, "100");

        assertThat(lanes.of(alpha, "commit")).isNull();
    }

    @Test
    void aParticipantWhoseBatchEndpointIsGoneLosesItsLanesUntilItOffersAgain() {
        PhaseTwoLanes lanes = lanes(32);
        lanes.offered(alpha, "100");

        lanes.withdrawn(alpha);

        assertThat(lanes.of(alpha, "commit")).isNull();
        assertThat(lanes.of(alpha, "rollback")).isNull();
        lanes.offered(alpha, "100");
        assertThat(lanes.of(alpha, "commit")).isNotNull();
    }

    private static PhaseTwoLanes lanes(int batchSize) {
        return new PhaseTwoLanes(1, batchSize, Duration.ofMillis(100), (branch, action) -> true,
                (branches, action) -> branches.stream().map(branch -> Outcome.answered(true)).toList());
    }

    private static Branch branch(String participant, String url) {
        Instant now = Instant.parse("2026-12-07T00:00:00Z");
        return new Branch("b-" + participant, "node1-t", participant, url, BranchState.PREPARED, null, null, 0, now, now,
                "participant");
    }
}
