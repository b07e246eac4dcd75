package dev.verdict.participant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.verdict.participant.OutcomeInquiry.Outcome;

/**
 * Recovery asks the coordinator about branches still unprepared after abandoned-branch-check (30s
 * here) and rolls back those whose transaction it aborted or does not know; and about branches prepared
 * for that long without phase 2, which it finishes as the coordinator says (orphans after 2 minutes). The timers do not run:
 * each test moves the clock and runs recovery itself.
 */
class AbandonedBranchesIntegrationTests extends ParticipantFixture {

    final MutableClock clock = new MutableClock();

    @BeforeEach
    void stopTheTimers() {
        restartWith(unstartedManager(TestSettings.defaults(), CrashPoints.none(), clock));
    }

    @Test
    void anUnpreparedBranchWhoseTransactionTheCoordinatorAbortedIsRolledBackAtOnce() throws SQLException {
        String tx = newTransaction();
        insert(tx, "apricot");
        decisions.put(tx, Outcome.ABORT);
        clock.advance(Duration.ofSeconds(31));

        branches.recover();

        assertThat(branches.openBranches()).isZero();
        assertThat(items()).isZero();
        assertThatThrownBy(() -> insert(tx, "late")).isInstanceOf(BranchRefusedException.class)
                .hasMessageContaining("already ended here (ROLLED_BACK)");
        assertThat(branches.prepare(tx, "branch-" + tx)).isEqualTo(
                new PrepareVote("ABORT", "the branch was already rolled back here (timeout or an earlier rollback)"));
    }

    @Test
    void anUnpreparedBranchWhoseTransactionTheCoordinatorDoesNotKnowIsRolledBackAtOnce() throws SQLException {
        String tx = newTransaction();
        insert(tx, "blueberry");
        clock.advance(Duration.ofSeconds(31));

        branches.recover();

        assertThat(branches.openBranches()).isZero();
        assertThat(branches.prepare(tx, "branch-" + tx).vote()).isEqualTo("ABORT");
    }

    @Test
    void aDoomedBranchWhoseTransactionAbortedIsRolledBackToo() throws SQLException {
        String tx = newTransaction();
        try (var enlistment = branches.enlist(tx); Statement statement = enlistment.connection().createStatement()) {
            statement.execute("INSERT INTO item (id) VALUES ('currant')");
            enlistment.fail("the request answered HTTP 500");
        }
        decisions.put(tx, Outcome.ABORT);
        clock.advance(Duration.ofSeconds(31));

        branches.recover();

        assertThat(branches.openBranches()).isZero();
        assertThat(items()).isZero();
    }

    @Test
    void aPreparedBranchThatHeardNoPhase2IsRolledBackWhenTheCoordinatorSaysItAborted() throws SQLException {
        String tx = preparedTransaction("damson");
        decisions.put(tx, Outcome.ABORT);
        clock.advance(Duration.ofSeconds(31));

        branches.recover();

        assertThat(branches.openBranches()).isZero();
        assertThat(items()).isZero();
        assertThat(preparedInTheDatabase()).isEmpty();
    }

    @Test
    void aPreparedBranchThatHeardNoPhase2IsCommittedWhenTheCoordinatorSaysItCommits() throws SQLException {
        String tx = preparedTransaction("elderberry");
        decisions.put(tx, Outcome.COMMIT);
        clock.advance(Duration.ofSeconds(31));

        branches.recover();

        assertThat(branches.openBranches()).isZero();
        assertThat(items()).isEqualTo(1);
        assertThat(preparedInTheDatabase()).isEmpty();
        branches.commit(tx, "branch-" + tx);
    }

    @Test
    void aPreparedBranchTheCoordinatorDoesNotKnowIsKeptUntilTheOrphanTimeoutThenRolledBack() throws SQLException {
        String tx = preparedTransaction("fig");
        clock.advance(Duration.ofSeconds(31));

        branches.recover();

        assertThat(branches.openBranches()).isEqualTo(1);
        assertThat(preparedInTheDatabase()).hasSize(1);

        clock.advance(Duration.ofMinutes(2).plusSeconds(1));
        branches.recover();

        assertThat(branches.openBranches()).isZero();
        assertThat(items()).isZero();
        assertThat(preparedInTheDatabase()).isEmpty();
    }

    @Test
    void aPreparedBranchWhoseTransactionIsUndecidedWaits() throws SQLException {
        String tx = preparedTransaction("grape");
        decisions.put(tx, Outcome.PENDING);
        clock.advance(Duration.ofMinutes(10));

        branches.recover();

        assertThat(branches.openBranches()).isEqualTo(1);
        branches.commit(tx, "branch-" + tx);
        assertThat(items()).isEqualTo(1);
    }

    private String preparedTransaction(String item) throws SQLException {
        String tx = newTransaction();
        insert(tx, item);
        assertThat(branches.prepare(tx, "branch-" + tx).vote()).isEqualTo("PREPARED");
        return tx;
    }


    @Test
    void aBranchWhoseTransactionIsStillRunningIsLeftAlone() throws SQLException {
        String tx = newTransaction();
        insert(tx, "cranberry");
        decisions.put(tx, Outcome.PENDING);
        clock.advance(Duration.ofMinutes(2));

        branches.recover();

        assertThat(branches.openBranches()).isEqualTo(1);
        assertThat(branches.prepare(tx, "branch-" + tx).vote()).isEqualTo("PREPARED");
        branches.commit(tx, "branch-" + tx);
        assertThat(items()).isEqualTo(1);
    }

    @Test
    void aCommitAnswerForABranchNeverPreparedHereLeavesItAlone() throws SQLException {
        String tx = newTransaction();
        insert(tx, "damson");
        decisions.put(tx, Outcome.COMMIT);
        clock.advance(Duration.ofSeconds(31));

        branches.recover();

        assertThat(branches.openBranches()).isEqualTo(1);
        branches.rollback(tx, "branch-" + tx);
    }

    @Test
    void aBranchYoungerThanTheCheckIsNotAskedAbout() throws SQLException {
        String tx = newTransaction();
        insert(tx, "gooseberry");
        decisions.put(tx, Outcome.ABORT);
        clock.advance(Duration.ofSeconds(29));

        branches.recover();

        assertThat(askedAbout).doesNotContain(tx);
        assertThat(branches.openBranches()).isEqualTo(1);
        branches.rollback(tx, "branch-" + tx);
    }

    @Test
    void aBranchOfAnotherCoordinatorIsLeftToBranchTimeout() throws SQLException {
        String tx = "other-" + UUID.randomUUID();
        insert(tx, "huckleberry");
        decisions.put(tx, Outcome.ABORT);
        clock.advance(Duration.ofSeconds(31));

        branches.recover();

        assertThat(askedAbout).doesNotContain(tx);
        assertThat(branches.openBranches()).isEqualTo(1);
        branches.rollback(tx, "branch-" + tx);
    }

    @Test
    void aBranchWhoseRequestIsStillWorkingIsNotInterruptedButRolledBackAfterwards() throws SQLException {
        String tx = newTransaction();
        decisions.put(tx, Outcome.ABORT);
        try (var enlistment = branches.enlist(tx); Statement statement = enlistment.connection().createStatement()) {
            statement.execute("INSERT INTO item (id) VALUES ('jostaberry')");
            clock.advance(Duration.ofSeconds(31));

            CompletableFuture.runAsync(branches::recover).join();

            assertThat(branches.openBranches()).isEqualTo(1);
            statement.execute("INSERT INTO item (id) VALUES ('juneberry')");
        }
        branches.recover();

        assertThat(branches.openBranches()).isZero();
        assertThat(items()).isZero();
    }
}
