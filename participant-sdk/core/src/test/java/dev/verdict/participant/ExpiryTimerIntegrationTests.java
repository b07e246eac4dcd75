package dev.verdict.participant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.SQLException;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/** Branches the coordinator never asked to prepare are rolled back once branch-timeout passes. */
class ExpiryTimerIntegrationTests extends ParticipantFixture {

    @Test
    void aBranchNeverPreparedIsRolledBackWhenItsTimeoutPasses() throws SQLException {
        restartWith(manager(TestSettings.defaults().branchTimeout(Duration.ofMillis(300))));
        String tx = newTransaction();
        insert(tx, "kiwi");

        await().atMost(Duration.ofSeconds(10)).until(() -> branches.openBranches() == 0);

        assertThat(branches.prepare(tx, "branch-" + tx).vote()).isEqualTo("ABORT");
        assertThat(items()).isZero();
    }
}
