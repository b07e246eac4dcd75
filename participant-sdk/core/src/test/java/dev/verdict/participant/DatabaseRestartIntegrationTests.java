package dev.verdict.participant;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.xa.PGXADataSource;

import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.Ports;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/** A PostgreSQL that restarts while it holds a prepared branch loses nothing: recovery finishes the branch. */
class DatabaseRestartIntegrationTests {

    @TempDir
    Path data;

    final int port = Ports.free();

    @Test
    void aBranchPreparedBeforeTheDatabaseRestartedIsCommittedAfterIt() throws Exception {
        EmbeddedPostgres database = start();
        String url = database.getJdbcUrl("postgres", "postgres");
        try (Connection connection = Databases.open(url, "postgres", "postgres"); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE item (id VARCHAR(64) PRIMARY KEY)");
        }
        BranchManager before = manager(url, OutcomeInquiry.Outcome.PENDING);
        try (var enlistment = before.enlist("test-restart"); Statement statement = enlistment.connection().createStatement()) {
            statement.execute("INSERT INTO item (id) VALUES ('survivor')");
        }
        assertThat(before.prepare("test-restart", "branch-1").vote()).isEqualTo("PREPARED");

        database.close();
        database = start();
        BranchManager after = manager(url, OutcomeInquiry.Outcome.COMMIT);
        assertThat(Databases.preparedTransactions(url, "postgres", "postgres")).hasSize(1);
        after.recoverPrepared();

        assertThat(Databases.queryLong(url, "postgres", "postgres", "SELECT COUNT(*) FROM item")).isEqualTo(1);
        assertThat(Databases.preparedTransactions(url, "postgres", "postgres")).isEmpty();
        before.close();
        after.close();
        database.close();
    }

    private EmbeddedPostgres start() throws Exception {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port)
                .setServerConfig("max_prepared_transactions", "10").start();
    }

    private static BranchManager manager(String url, OutcomeInquiry.Outcome outcome) throws Exception {
        PGXADataSource xa = new PGXADataSource();
        xa.setUrl(url);
        xa.setUser("postgres");
        xa.setPassword("postgres");
        OutcomeInquiry coordinator = new OutcomeInquiry() {
            @Override
            public Outcome outcomeOf(String transactionId) {
                return outcome;
            }

            @Override
            public boolean isOwnTransaction(String transactionId) {
                return true;
            }
        };
        return new BranchManager(xa, transactionId -> "branch-1", coordinator, new BranchManager.Settings(
                Duration.ofMinutes(5), Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofHours(1),
                Duration.ofMinutes(2), Duration.ofDays(7)), Clock.systemUTC()).start();
    }
}
