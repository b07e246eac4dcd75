package dev.verdict.participant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The pool of XA connections: reused across branches, bounded, and never handing out a broken one. */
class BranchConnectionsIntegrationTests extends ParticipantFixture {

    @Test
    void sequentialTransactionsReuseOnePhysicalConnectionWhateverTheirOutcome() throws SQLException {
        Set<String> sessions = new HashSet<>();

        for (int i = 0; i < 21; i++) {
            String tx = newTransaction();
            sessions.add(insertAndTellSession(tx, "item-" + i));
            switch (i % 3) {
                case 0 -> {
                    branches.prepare(tx, "branch-" + tx);
                    branches.commit(tx, "branch-" + tx);
                }
                case 1 -> {
                    branches.prepare(tx, "branch-" + tx);
                    branches.rollback(tx, "branch-" + tx);
                }
                default -> branches.rollback(tx, "branch-" + tx);
            }
        }

        assertThat(sessions).hasSize(1);
        assertThat(branches.connectionStats().created()).isEqualTo(1);
        assertThat(items()).isEqualTo(7);
    }

    @Test
    void aBusinessCallWaitsForAFreeConnectionAtMostLockTimeoutAndThenFailsSaying() throws SQLException {
        restartWith(manager(TestSettings.defaults().maxBranchConnections(1).lockTimeout(Duration.ofMillis(300))));
        String holder = newTransaction();
        insert(holder, "one");

        String waiter = newTransaction();
        assertThatThrownBy(() -> insert(waiter, "two")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("all 1 XA connections for branches (verdict.participant.max-branch-connections)"
                        + " stayed in use by open global transactions for PT0.3S");

        assertThat(branches.prepare(waiter, "branch-" + waiter).vote()).isEqualTo("ABORT");
        branches.prepare(holder, "branch-" + holder);
        branches.commit(holder, "branch-" + holder);
        String next = newTransaction();
        insert(next, "three");
        branches.prepare(next, "branch-" + next);
        branches.commit(next, "branch-" + next);
        assertThat(items()).isEqualTo(2);
    }

    @Test
    void aConnectionThatBrokeUnderABranchIsDestroyedAndNeverHandedOutAgain() throws SQLException {
        String tx = newTransaction();
        String brokenSession = insertAndTellSession(tx, "walnut");
        killSession(brokenSession);

        PrepareVote vote = branches.prepare(tx, "branch-" + tx);

        assertThat(vote.vote()).isEqualTo("ABORT");
        assertThat(branches.connectionStats().destroyed()).isEqualTo(1);
        String next = newTransaction();
        assertThat(insertAndTellSession(next, "hazelnut")).isNotEqualTo(brokenSession);
        branches.prepare(next, "branch-" + next);
        branches.commit(next, "branch-" + next);
        assertThat(items()).isEqualTo(1);
    }

    @Test
    void aConnectionWhoseSessionTheServiceChangedServesNoOtherBranch() throws SQLException {
        String tx = newTransaction();
        String changedSession;
        try (var enlistment = branches.enlist(tx); Statement statement = enlistment.connection().createStatement()) {
            enlistment.connection().setSchema(enlistment.connection().getSchema());
            changedSession = session(statement);
        }
        branches.prepare(tx, "branch-" + tx);

        branches.commit(tx, "branch-" + tx);

        assertThat(branches.connectionStats().destroyed()).isEqualTo(1);
        assertThat(insertAndTellSession(newTransaction(), "pecan")).isNotEqualTo(changedSession);
    }

    @Test
    void aConnectionCutRightAfterItsBranchEndedNeverFailsTheNextBranch() throws SQLException {
        String tx = newTransaction();
        String cutSession = insertAndTellSession(tx, "almond");
        branches.prepare(tx, "branch-" + tx);
        branches.commit(tx, "branch-" + tx);
        // cut at once: lent again within moments, the connection is trusted without a round trip, fails to
        // start the branch, and the branch starts on a new connection instead
        killSession(cutSession);

        String next = newTransaction();
        assertThat(insertAndTellSession(next, "cashew")).isNotEqualTo(cutSession);
        branches.prepare(next, "branch-" + next);
        branches.commit(next, "branch-" + next);

        assertThat(items()).isEqualTo(2);
        assertThat(branches.connectionStats()).extracting(BranchConnections.Stats::created, BranchConnections.Stats::destroyed)
                .containsExactly(2L, 1L);
    }
}
