package dev.verdict.participant;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

/** The service's own requests: they join the transaction's branch, and one that fails dooms it. */
class BusinessCallsIntegrationTests extends ParticipantFixture {

    @Test
    void aSecondRequestJoinsTheSameBranch() throws SQLException {
        String tx = newTransaction();
        insert(tx, "one");
        insert(tx, "two");

        assertThat(branches.openBranches()).isEqualTo(1);
        branches.prepare(tx, "branch-" + tx);
        branches.commit(tx, "branch-" + tx);
        assertThat(items()).isEqualTo(2);
    }

    @Test
    void aLocalRollbackDoomsTheBranchSoPrepareVotesNo() throws SQLException {
        String tx = newTransaction();
        try (var enlistment = branches.enlist(tx)) {
            Connection connection = enlistment.connection();
            try (Statement statement = connection.createStatement()) {
                statement.execute("INSERT INTO item (id) VALUES ('cherry')");
            }
            connection.rollback();
        }

        PrepareVote vote = branches.prepare(tx, "branch-" + tx);

        assertThat(vote.vote()).isEqualTo("ABORT");
        assertThat(vote.detail()).contains("rolled back its local transaction");
        assertThat(items()).isZero();
    }

    @Test
    void aFailedRequestDoomsTheBranch() throws SQLException {
        String tx = newTransaction();
        try (var enlistment = branches.enlist(tx)) {
            try (Statement statement = enlistment.connection().createStatement()) {
                statement.execute("INSERT INTO item (id) VALUES ('fig')");
            }
            enlistment.fail("the request answered HTTP 500");
        }

        assertThat(branches.prepare(tx, "branch-" + tx).detail()).contains("HTTP 500");
        assertThat(items()).isZero();
    }
}
