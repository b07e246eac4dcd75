package dev.verdict.participant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;

import org.junit.jupiter.api.Test;

import dev.verdict.testsupport.Databases;

/** Branches a crash left prepared in the database are finished as the coordinator decided. */
class PreparedBranchRecoveryIntegrationTests extends ParticipantFixture {

    @Test
    void aBranchLeftPreparedByACrashIsCommittedOnceTheCoordinatorSaysCommit() throws SQLException {
        String tx = newTransaction();
        insert(tx, "mango");
        branches.prepare(tx, "branch-" + tx);
        branches.loseEverythingAsACrashWould();
        branches = manager(TestSettings.defaults());
        assertThat(preparedInTheDatabase()).hasSize(1);

        decisions.put(tx, OutcomeInquiry.Outcome.PENDING);
        branches.recover();
        assertThat(items()).isZero();
        decisions.put(tx, OutcomeInquiry.Outcome.COMMIT);
        branches.recover();

        assertThat(items()).isEqualTo(1);
        branches.commit(tx, "branch-" + tx);
    }

    @Test
    void aBranchLeftPreparedByACrashIsRolledBackWhenTheTransactionAborted() throws SQLException {
        String tx = newTransaction();
        insert(tx, "lime");
        branches.prepare(tx, "branch-" + tx);
        branches.loseEverythingAsACrashWould();
        branches = manager(TestSettings.defaults());

        branches.rollback(tx, "branch-" + tx);

        assertThat(items()).isZero();
        assertThatThrownBy(() -> insert(tx, "late")).isInstanceOf(BranchRefusedException.class);
    }

    @Test
    void anEntryListedAsPreparedForABranchWhoseMarkerCommittedIsRolledBackNotCommittedAgain() throws Exception {
        // What H2 can show after a crash: a branch it committed before listed as prepared again, holding another
        // transaction's unprepared work (here, an item) under the branch's id.
        String tx = newTransaction();
        BranchXid xid = new BranchXid(tx, "branch-" + tx);
        try (Connection connection = Databases.open(url, Databases.user(url), Databases.password(url))) {
            PreparedBranches.writeMarker(connection, xid, Instant.now());
        }
        // never closed, as a crash leaves it, like the connections of loseEverythingAsACrashWould (H2 drops what a
        // closed session prepared)
        XAConnection ghost = database.xaDataSource(url).getXAConnection();
        ghost.getXAResource().start(xid, XAResource.TMNOFLAGS);
        try (Statement statement = ghost.getConnection().createStatement()) {
            statement.execute("INSERT INTO item (id) VALUES ('half-done work of another request')");
        }
        ghost.getXAResource().end(xid, XAResource.TMSUCCESS);
        ghost.getXAResource().prepare(xid);
        assertThat(preparedInTheDatabase()).hasSize(1);

        decisions.put(tx, OutcomeInquiry.Outcome.COMMIT);
        branches.recover();

        assertThat(preparedInTheDatabase()).isEmpty();
        assertThat(items()).as("the work under the committed branch's id is not committed").isZero();
        branches.commit(tx, "branch-" + tx);
    }

    @Test
    void aRepeatedCommitAfterACrashIsAnsweredFromTheCommitMarker() throws SQLException {
        String tx = newTransaction();
        insert(tx, "peach");
        branches.prepare(tx, "branch-" + tx);
        branches.commit(tx, "branch-" + tx);
        branches.loseEverythingAsACrashWould();
        branches = manager(TestSettings.defaults());

        branches.commit(tx, "branch-" + tx);

        assertThat(items()).isEqualTo(1);
        assertThatThrownBy(() -> branches.rollback(tx, "branch-" + tx)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aPreparedBranchTheCoordinatorDoesNotKnowIsRolledBackOnlyAfterTheOrphanTimeout() throws SQLException {
        String tx = newTransaction();
        insert(tx, "grape");
        branches.prepare(tx, "branch-" + tx);
        branches.loseEverythingAsACrashWould();
        MutableClock clock = new MutableClock();
        branches = manager(TestSettings.defaults(), CrashPoints.none(), clock);

        branches.recover();
        clock.advance(Duration.ofMinutes(1));
        branches.recover();
        assertThat(preparedInTheDatabase()).hasSize(1);

        clock.advance(Duration.ofMinutes(2));
        branches.recover();

        assertThat(items()).isZero();
    }

    @Test
    void aPreparedBranchOfAnotherCoordinatorIsLeftAlone() throws SQLException {
        String tx = "other-" + UUID.randomUUID();
        try (var enlistment = branches.enlist(tx); Statement statement = enlistment.connection().createStatement()) {
            statement.execute("INSERT INTO item (id) VALUES ('quince')");
        }
        branches.prepare(tx, "branch-" + tx);
        branches.loseEverythingAsACrashWould();
        branches = manager(TestSettings.defaults());

        branches.recover();

        assertThat(preparedInTheDatabase()).hasSize(1);
        branches.commit(tx, "branch-" + tx);
        assertThat(items()).isEqualTo(1);
    }
}
