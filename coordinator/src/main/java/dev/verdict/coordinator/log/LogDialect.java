package dev.verdict.coordinator.log;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * How each database is told what a commit of the log must survive. PostgreSQL waits for its WAL to reach
 * the disk at a forced commit ({@code synchronous_commit = on}) and not at a lazy one. H2 writes commits to
 * its file within {@code WRITE_DELAY} but syncs nothing by itself, so a forced commit is followed by
 * {@code CHECKPOINT SYNC}, which writes the file and forces it to disk.
 */
@Component
class LogDialect {

    enum Database {
        H2, POSTGRESQL
    }

    private final Database database;

    LogDialect(DataSource log) throws SQLException {
        try (Connection connection = log.getConnection()) {
            String product = connection.getMetaData().getDatabaseProductName();
            this.database = switch (product) {
                case "H2" -> Database.H2;
                case "PostgreSQL" -> Database.POSTGRESQL;
                default -> throw new IllegalStateException("the transaction log must be on H2 or PostgreSQL, but"
                        + " spring.datasource.url points at " + product);
            };
        }
    }

    Database database() {
        return database;
    }

    /** First statement of a batch's database transaction. */
    void startBatch(JdbcClient jdbc, boolean forced) {
        if (database == Database.POSTGRESQL) {
            jdbc.sql(forced ? "SET LOCAL synchronous_commit TO on" : "SET LOCAL synchronous_commit TO off").update();
        }
    }

    /** Runs after a forced batch has committed, before any of its writers goes on. */
    void syncAfterCommit(JdbcClient jdbc) {
        if (database == Database.H2) {
            jdbc.sql("CHECKPOINT SYNC").update();
        }
    }
}
