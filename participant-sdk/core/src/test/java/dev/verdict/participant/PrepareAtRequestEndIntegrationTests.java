package dev.verdict.participant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A participant that prepares its branch as the business request ends and only then registers it, prepared:
 * the work counts only if the registration is taken, and a registration that got no answer leaves the branch
 * prepared until the coordinator's outcome for that branch is known.
 */
class PrepareAtRequestEndIntegrationTests extends ParticipantFixture {

    final MutableClock clock = new MutableClock();

    @BeforeEach
    void preparingAtRequestEnd() {
        restartWith(unstartedManager(TestSettings.defaults().prepareAtRequestEnd(), CrashPoints.none(), clock));
    }

    @Test
    void aRequestThatEndsLeavesItsBranchPreparedAndRegisteredAsPrepared() throws SQLException {
        String tx = newTransaction();

        request(tx, "plum");

        String branchId = registeredPrepared.get(tx);
        assertThat(branchId).isNotBlank().isNotEqualTo("branch-" + tx);
        assertThat(preparedInTheDatabase()).hasSize(1);
        assertThat(items()).isZero();
        branches.commit(tx, branchId);
        assertThat(items()).isEqualTo(1);
        assertThat(branches.openBranches()).isZero();
    }

    @Test
    void aRefusedRegistrationRollsTheBranchBackAndFailsTheRequest() {
        String tx = newTransaction();
        nextPreparedRegistration = new BranchRefusedException("transaction is ABORTED");

        assertThatThrownBy(() -> request(tx, "fig")).isInstanceOf(BranchRefusedException.class);

        assertThat(preparedInTheDatabase()).isEmpty();
        assertThat(items()).isZero();
        assertThat(branches.openBranches()).isZero();
    }

    @Test
    void aRegistrationWithoutAnAnswerKeepsTheBranchPreparedUntilTheCoordinatorSaysWhatBecomesOfIt() throws SQLException {
        String tx = newTransaction();
        nextPreparedRegistration = new IllegalStateException("read timed out");

        assertThatThrownBy(() -> request(tx, "kiwi")).isInstanceOf(BranchInDoubtException.class);
        assertThat(preparedInTheDatabase()).hasSize(1);

        decisions.put(tx, OutcomeInquiry.Outcome.PENDING);
        clock.advance(Duration.ofSeconds(31));
        branches.recover();
        assertThat(preparedInTheDatabase()).as("still undecided: kept prepared").hasSize(1);

        decisions.put(tx, OutcomeInquiry.Outcome.ABORT);
        branches.recover();
        assertThat(preparedInTheDatabase()).isEmpty();
        assertThat(items()).isZero();
        assertThat(askedAbout).contains(tx);
    }

    @Test
    void aBranchInDoubtWhoseRegistrationDidReachTheLogCommitsWhenTheCoordinatorSaysCommit() throws SQLException {
        String tx = newTransaction();
        nextPreparedRegistration = new IllegalStateException("connection reset");
        assertThatThrownBy(() -> request(tx, "lychee")).isInstanceOf(BranchInDoubtException.class);

        decisions.put(tx, OutcomeInquiry.Outcome.COMMIT);
        clock.advance(Duration.ofSeconds(31));
        branches.recover();

        assertThat(items()).isEqualTo(1);
        assertThat(preparedInTheDatabase()).isEmpty();
    }

    @Test
    void aFailedRequestRollsItsBranchBackAtOnceAndRegistersNothing() throws SQLException {
        String tx = newTransaction();

        try (var enlistment = branches.enlist(tx); Statement statement = enlistment.connection().createStatement()) {
            statement.execute("INSERT INTO item (id) VALUES ('pear')");
            enlistment.fail("the handler threw");
            enlistment.complete();
        }

        assertThat(registeredPrepared).isEmpty();
        assertThat(preparedInTheDatabase()).isEmpty();
        assertThat(branches.openBranches()).isZero();
    }

    @Test
    void aRequestThatNeverCompletesIsRolledBackWhenItLetsGo() throws SQLException {
        String tx = newTransaction();

        insert(tx, "quince");

        assertThat(registeredPrepared).isEmpty();
        assertThat(preparedInTheDatabase()).isEmpty();
        assertThat(branches.openBranches()).isZero();
    }

    @Test
    void aSecondRequestOfTheTransactionIsRefusedAndTheFirstStillCommits() throws SQLException {
        String tx = newTransaction();
        request(tx, "date");

        assertThatThrownBy(() -> request(tx, "another"))
                .isInstanceOf(BranchRefusedException.class)
                .hasMessageContaining("prepare-at-request-end");

        branches.commit(tx, registeredPrepared.get(tx));
        assertThat(items()).isEqualTo(1);
    }

    @Test
    void aCrashBetweenPrepareAndRegistrationLeavesABranchThatRecoveryRollsBackOnceTheTransactionMovesOn() throws SQLException {
        String tx = newTransaction();
        nextPreparedRegistration = new IllegalStateException("the process died here");
        assertThatThrownBy(() -> request(tx, "apricot")).isInstanceOf(BranchInDoubtException.class);
        branches.loseEverythingAsACrashWould();
        branches = manager(TestSettings.defaults().prepareAtRequestEnd());

        decisions.put(tx, OutcomeInquiry.Outcome.PENDING);
        branches.recover();
        assertThat(preparedInTheDatabase()).as("the transaction is still ACTIVE: the registration may be on its way").hasSize(1);

        decisions.put(tx, OutcomeInquiry.Outcome.ABORT);
        branches.recover();
        assertThat(preparedInTheDatabase()).isEmpty();
        assertThat(items()).isZero();
    }

    /** One business request that inserts an item and completes, as the web filter runs it. */
    private void request(String tx, String item) throws SQLException {
        try (var enlistment = branches.enlist(tx)) {
            try (Statement statement = enlistment.connection().createStatement()) {
                statement.execute("INSERT INTO item (id) VALUES ('" + item + "')");
            }
            enlistment.complete();
        }
    }
}
