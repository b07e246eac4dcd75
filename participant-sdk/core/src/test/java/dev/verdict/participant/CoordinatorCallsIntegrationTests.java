package dev.verdict.participant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The coordinator's prepare, commit and rollback, each answered the same however often it arrives. */
class CoordinatorCallsIntegrationTests extends ParticipantFixture {

    @Test
    void workBecomesVisibleOnlyAfterPrepareAndCommit() throws SQLException {
        String tx = newTransaction();
        insert(tx, "apple");
        assertThat(items()).isZero();

        assertThat(branches.prepare(tx, "branch-" + tx).vote()).isEqualTo("PREPARED");
        assertThat(items()).isZero();
        branches.commit(tx, "branch-" + tx);

        assertThat(items()).isEqualTo(1);
        assertThat(branches.openBranches()).isZero();
    }

    @Test
    void aCommitOfABranchThatAnotherProcessOfTheServiceCommittedFromThePreparedListSucceeds() throws SQLException {
        String tx = newTransaction();
        insert(tx, "quince");
        branches.prepare(tx, "branch-" + tx);
        decisions.put(tx, OutcomeInquiry.Outcome.COMMIT);
        try (BranchManager otherProcess = unstartedManager(TestSettings.defaults(), CrashPoints.none(), Clock.systemUTC())) {
            otherProcess.recover();
        }
        assertThat(items()).isEqualTo(1);

        branches.commit(tx, "branch-" + tx);

        assertThat(branches.openBranches()).isZero();
        assertThat(items()).isEqualTo(1);
    }

    @Test
    void aRollbackOfABranchThatAnotherProcessOfTheServiceRolledBackFromThePreparedListSucceeds() throws SQLException {
        String tx = newTransaction();
        insert(tx, "raisin");
        branches.prepare(tx, "branch-" + tx);
        decisions.put(tx, OutcomeInquiry.Outcome.ABORT);
        try (BranchManager otherProcess = unstartedManager(TestSettings.defaults(), CrashPoints.none(), Clock.systemUTC())) {
            otherProcess.recover();
        }

        branches.rollback(tx, "branch-" + tx);

        assertThat(branches.openBranches()).isZero();
        assertThat(items()).isZero();
        assertThat(preparedInTheDatabase()).isEmpty();
    }

    @Test
    void commitAndPrepareRepeatedAfterACommitAnswerTheSame() throws SQLException {
        String tx = newTransaction();
        insert(tx, "pear");
        branches.prepare(tx, "branch-" + tx);
        branches.commit(tx, "branch-" + tx);

        branches.commit(tx, "branch-" + tx);

        assertThat(items()).isEqualTo(1);
        assertThatThrownBy(() -> branches.rollback(tx, "branch-" + tx)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("was committed here");
    }

    @Test
    void aRollbackThatArrivesBeforeTheWorkMakesTheLateWorkFail() {
        String tx = newTransaction();

        branches.rollback(tx, "branch-" + tx);
        branches.rollback(tx, "branch-" + tx);

        assertThatThrownBy(() -> insert(tx, "late")).isInstanceOf(BranchRefusedException.class)
                .hasMessageContaining("already ended here (ROLLED_BACK)");
        assertThat(items()).isZero();
    }

    @Test
    void aRolledBackBranchLeavesNothingBehind() throws SQLException {
        String tx = newTransaction();
        insert(tx, "plum");
        branches.prepare(tx, "branch-" + tx);

        branches.rollback(tx, "branch-" + tx);

        assertThat(items()).isZero();
        assertThat(branches.openBranches()).isZero();
    }

    @Test
    void aBranchThisParticipantNeverSawVotesNoAndIsNeverReportedCommitted() {
        String tx = newTransaction();

        assertThat(branches.prepare(tx, "branch-" + tx).vote()).isEqualTo("ABORT");
        assertThatThrownBy(() -> branches.commit(tx, "branch-" + tx)).isInstanceOf(UnknownBranchException.class)
                .hasMessageContaining("its outcome is unknown");
    }

    @Test
    void theAfterPrepareCrashPointIsReachedOnceTheDatabaseHoldsTheBranchPrepared() throws SQLException {
        List<String> crashes = new ArrayList<>();
        restartWith(manager(TestSettings.defaults(), new CrashPoints(CrashPoints.AFTER_PREPARE,
                status -> crashes.add(status + " with " + preparedInTheDatabase().size() + " prepared")), Clock.systemUTC()));
        String tx = newTransaction();
        insert(tx, "date");

        branches.prepare(tx, "branch-" + tx);

        assertThat(crashes).containsExactly("86 with 1 prepared");
        branches.commit(tx, "branch-" + tx);
        assertThat(crashes).hasSize(1);
    }

    @Test
    void theAfterCommitCrashPointIsReachedOnceTheWorkIsCommitted() throws SQLException {
        List<String> crashes = new ArrayList<>();
        restartWith(manager(TestSettings.defaults(), new CrashPoints(CrashPoints.AFTER_COMMIT,
                status -> crashes.add(status + " with " + items() + " items")), Clock.systemUTC()));
        String tx = newTransaction();
        insert(tx, "elderberry");
        branches.prepare(tx, "branch-" + tx);

        branches.commit(tx, "branch-" + tx);

        assertThat(crashes).containsExactly("86 with 1 items");
    }
}
