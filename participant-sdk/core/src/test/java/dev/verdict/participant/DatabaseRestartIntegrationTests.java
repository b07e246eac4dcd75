package dev.verdict.participant;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.xa.PGXADataSource;

import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.RestartablePostgres;

/** A PostgreSQL that restarts loses nothing that was prepared, and leaves no broken connection in use. */
class DatabaseRestartIntegrationTests {

    @TempDir
    Path data;

    RestartablePostgres database;
    String url;

    @BeforeEach
    void startDatabase() throws Exception {
        database = new RestartablePostgres(data, Map.of("max_prepared_transactions", "10"));
        url = database.server().getJdbcUrl("postgres", "postgres");
        try (Connection connection = Databases.open(url, "postgres", "postgres"); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE item (id VARCHAR(64) PRIMARY KEY)");
        }
    }

    @AfterEach
    void stopDatabase() throws Exception {
        database.close();
    }

    @Test
    void aBranchPreparedBeforeTheDatabaseRestartedIsCommittedAfterIt() throws Exception {
        BranchManager before = manager(OutcomeInquiry.Outcome.PENDING);
        try (var enlistment = before.enlist("test-restart"); Statement statement = enlistment.connection().createStatement()) {
            statement.execute("INSERT INTO item (id) VALUES ('survivor')");
        }
        assertThat(before.prepare("test-restart", "branch-1").vote()).isEqualTo("PREPARED");

        restartDatabase();
        BranchManager after = manager(OutcomeInquiry.Outcome.COMMIT);
        assertThat(Databases.preparedTransactions(url, "postgres", "postgres")).hasSize(1);
        after.recover();

        assertThat(items()).isEqualTo(1);
        assertThat(Databases.preparedTransactions(url, "postgres", "postgres")).isEmpty();
        before.close();
        after.close();
    }

    @Test
    void aBranchHeldPreparedWhileTheDatabaseRestartsIsCommittedByTheNextCommitThroughANewConnection() throws Exception {
        BranchManager branches = manager(OutcomeInquiry.Outcome.PENDING);
        try (var enlistment = branches.enlist("test-held"); Statement statement = enlistment.connection().createStatement()) {
            statement.execute("INSERT INTO item (id) VALUES ('held')");
        }
        assertThat(branches.prepare("test-held", "branch-1").vote()).isEqualTo("PREPARED");

        restartDatabase();
        branches.commit("test-held", "branch-1");

        assertThat(items()).isEqualTo(1);
        assertThat(Databases.preparedTransactions(url, "postgres", "postgres")).isEmpty();
        assertThat(branches.openBranches()).isZero();
        branches.commit("test-held", "branch-1");
        branches.close();
    }

    @Test
    void aPooledConnectionThatTheRestartBrokeIsReplacedBeforeABranchUsesIt() throws Exception {
        BranchManager branches = manager(OutcomeInquiry.Outcome.COMMIT);
        commit(branches, "test-before", "apple");

        restartDatabase();
        commit(branches, "test-after", "pear");

        assertThat(items()).isEqualTo(2);
        assertThat(branches.connectionStats()).extracting(BranchConnections.Stats::created, BranchConnections.Stats::destroyed)
                .containsExactly(2L, 1L);
        branches.close();
    }

    private void restartDatabase() throws Exception {
        database.restart();
    }

    private static void commit(BranchManager branches, String tx, String item) throws Exception {
        try (var enlistment = branches.enlist(tx); Statement statement = enlistment.connection().createStatement()) {
            statement.execute("INSERT INTO item (id) VALUES ('" + item + "')");
        }
        assertThat(branches.prepare(tx, "branch-1").vote()).isEqualTo("PREPARED");
        branches.commit(tx, "branch-1");
    }

    private long items() {
        return Databases.queryLong(url, "postgres", "postgres", "SELECT COUNT(*) FROM item");
    }

    private BranchManager manager(OutcomeInquiry.Outcome outcome) throws Exception {
        PGXADataSource xa = new PGXADataSource();
        xa.setUrl(url);
        xa.setUser("postgres");
        xa.setPassword("postgres");
        OutcomeInquiry coordinator = new OutcomeInquiry() {
            @Override
            public Outcome outcomeOf(BranchXid branch) {
                return outcome;
            }

            @Override
            public boolean isOwnTransaction(String transactionId) {
                return true;
            }
        };
        return new BranchManager(xa, transactionId -> "branch-1", coordinator, TestSettings.defaults().build(),
                Clock.systemUTC()).start();
    }
}
