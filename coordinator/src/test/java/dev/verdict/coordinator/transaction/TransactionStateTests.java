package dev.verdict.coordinator.transaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TransactionStateTests {

    @Test
    void commitPathGoesThroughPrepareAndTheLoggedDecision() {
        assertThat(TransactionState.ACTIVE.moveTo(TransactionState.PREPARING)).isEqualTo(TransactionState.PREPARING);
        assertThat(TransactionState.PREPARING.moveTo(TransactionState.COMMITTING)).isEqualTo(TransactionState.COMMITTING);
        assertThat(TransactionState.COMMITTING.moveTo(TransactionState.COMMITTED)).isEqualTo(TransactionState.COMMITTED);
    }

    @Test
    void aTransactionWhoseBranchesAllCamePreparedIsDecidedWithoutPreparing() {
        assertThat(TransactionState.ACTIVE.moveTo(TransactionState.COMMITTING)).isEqualTo(TransactionState.COMMITTING);
        assertThat(TransactionState.ACTIVE.canMoveTo(TransactionState.COMMITTED)).isFalse();
    }

    @Test
    void abortIsPossibleOnlyBeforeACommitDecision() {
        assertThat(TransactionState.ACTIVE.canMoveTo(TransactionState.ABORTING)).isTrue();
        assertThat(TransactionState.PREPARING.canMoveTo(TransactionState.ABORTING)).isTrue();
        assertThat(TransactionState.COMMITTING.canMoveTo(TransactionState.ABORTING)).isFalse();
        assertThat(TransactionState.COMMITTED.canMoveTo(TransactionState.ABORTING)).isFalse();
    }

    @Test
    void commitAfterRollbackIsAnIllegalTransitionNamingBothStates() {
        assertThatThrownBy(() -> TransactionState.ABORTED.moveTo(TransactionState.PREPARING))
                .isInstanceOf(IllegalTransitionException.class)
                .hasMessage("a transaction in state ABORTED cannot move to PREPARING");
    }

    @Test
    void finalStatesGoNowhere() {
        for (TransactionState next : TransactionState.values()) {
            assertThat(TransactionState.COMMITTED.canMoveTo(next)).isFalse();
            assertThat(TransactionState.ABORTED.canMoveTo(next)).isFalse();
        }
    }

    @Test
    void onlyCommittingAndAbortingCarryADecisionStillToBeDelivered() {
        assertThat(TransactionState.COMMITTING.isDecided()).isTrue();
        assertThat(TransactionState.ABORTING.isDecided()).isTrue();
        assertThat(TransactionState.PREPARING.isDecided()).isFalse();
        assertThat(TransactionState.ACTIVE.isDecided()).isFalse();
    }
}
