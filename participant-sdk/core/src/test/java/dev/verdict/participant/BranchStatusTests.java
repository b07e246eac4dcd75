package dev.verdict.participant;

import static dev.verdict.participant.BranchStatus.ACTIVE;
import static dev.verdict.participant.BranchStatus.COMMITTED;
import static dev.verdict.participant.BranchStatus.NEW;
import static dev.verdict.participant.BranchStatus.PREPARED;
import static dev.verdict.participant.BranchStatus.READ_ONLY;
import static dev.verdict.participant.BranchStatus.ROLLBACK_ONLY;
import static dev.verdict.participant.BranchStatus.ROLLED_BACK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.EnumSet;

import org.junit.jupiter.api.Test;

class BranchStatusTests {

    @Test
    void aCommittedBranchWasOpenedThenPrepared() {
        assertThat(NEW.moveTo(ACTIVE)).isEqualTo(ACTIVE);
        assertThat(ACTIVE.moveTo(PREPARED)).isEqualTo(PREPARED);
        assertThat(PREPARED.moveTo(COMMITTED)).isEqualTo(COMMITTED);
    }

    @Test
    void everyStatusBeforeTheEndMayStillRollBack() {
        for (BranchStatus status : EnumSet.of(NEW, ACTIVE, ROLLBACK_ONLY, PREPARED)) {
            assertThat(status.canMoveTo(ROLLED_BACK)).as(status + " -> ROLLED_BACK").isTrue();
        }
    }

    @Test
    void onlyAPreparedBranchMayCommit() {
        assertThat(Arrays.stream(BranchStatus.values()).filter(status -> status.canMoveTo(COMMITTED)))
                .containsExactly(PREPARED);
    }

    @Test
    void aDoomedBranchCanOnlyRollBack() {
        assertThat(Arrays.stream(BranchStatus.values()).filter(ROLLBACK_ONLY::canMoveTo)).containsExactly(ROLLED_BACK);
        assertThat(ACTIVE.canMoveTo(ROLLBACK_ONLY)).isTrue();
        assertThat(PREPARED.canMoveTo(ROLLBACK_ONLY)).isFalse();
    }

    @Test
    void theEndsGoNowhere() {
        for (BranchStatus end : EnumSet.of(COMMITTED, ROLLED_BACK, READ_ONLY)) {
            assertThat(end.isFinal()).isTrue();
            assertThat(Arrays.stream(BranchStatus.values()).filter(end::canMoveTo)).as("moves out of " + end).isEmpty();
        }
    }

    @Test
    void anIllegalMoveIsRefusedNamingBothStatuses() {
        assertThatThrownBy(() -> ROLLED_BACK.moveTo(COMMITTED))
                .isInstanceOf(IllegalBranchTransitionException.class)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("a branch in status ROLLED_BACK cannot move to COMMITTED");
        assertThatThrownBy(() -> ACTIVE.moveTo(COMMITTED)).hasMessage("a branch in status ACTIVE cannot move to COMMITTED");
    }

    @Test
    void workJoinsOnlyABranchBeingOpenedOrActive() {
        assertThat(Arrays.stream(BranchStatus.values()).filter(BranchStatus::acceptsWork)).containsExactly(NEW, ACTIVE);
    }

    @Test
    void theTimersConsiderOnlyStartedBranchesThatNeverVotedYes() {
        assertThat(Arrays.stream(BranchStatus.values()).filter(BranchStatus::awaitsPrepare))
                .containsExactly(ACTIVE, ROLLBACK_ONLY);
    }
}
