package dev.verdict.coordinator.log;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * How each database is told what a commit of the log must survive. PostgreSQL waits for its WAL to reach
 * the disk at a forced commit ({@code synchronous_commit = on}) and not at a lazy one. H2 writes commits to
 * its file within {@code WRITE_DELAY}, so a forced commit is followed by {@code CHECKPOINT SYNC}, which writes
 * them at once and forces the file to disk. The shipped H2 log is opened through {@link SyncedFiles}, so
 * every write H2 makes is on the disk when it returns; a lazy commit is then on the disk within
 * {@code WRITE_DELAY}.
 */
@Component
class LogDialect {

    enum Database {
        H2, POSTGRESQL
    }

    private static final int H2_DEFAULT_RETENTION_MS = 45_000;

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
            if (database == Database.H2) {
                refuseUnsyncedChunkReuse(connection);
            }
        }
    }

    /**
     * H2 may overwrite an old chunk of its file as soon as it holds no live data when {@code RETENTION_TIME} is
     * below its default; that is safe only if every earlier write is already on the disk, as on a file opened
     * through {@link SyncedFiles}. Elsewhere, an OS crash could leave the newest complete state pointing at
     * overwritten pages.
     */
    private static void refuseUnsyncedChunkReuse(Connection connection) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("""
                SELECT DATABASE_PATH(), (SELECT COALESCE(MIN(CAST(SETTING_VALUE AS INT)), ?)
                    FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'RETENTION_TIME')""")) {
            query.setInt(1, H2_DEFAULT_RETENTION_MS);
            ResultSet row = query.executeQuery();
            row.next();
            String path = row.getString(1); // none for a database in memory
            int retention = row.getInt(2);
            if (path != null && retention < H2_DEFAULT_RETENTION_MS && !path.startsWith(SyncedFiles.SCHEME + ":")) {
                throw new IllegalStateException("the H2 log at " + path + " has RETENTION_TIME=" + retention
                        + ", which is safe only on a file opened for synchronous writes: open it as jdbc:h2:file:"
                        + SyncedFiles.SCHEME + ":<path> (as the default spring.datasource.url does), or drop"
                        + " RETENTION_TIME from the URL");
            }
        }
    }

    Database database() {
        return database;
    }

    /**
     * What the log takes on disk, in bytes: the file of an H2 log (0 in memory), the database of a PostgreSQL
     * one.
     */
    long sizeInBytes(JdbcClient jdbc) {
        return switch (database) {
            case H2 -> jdbc.sql("""
                    SELECT COALESCE(MAX(CAST(SETTING_VALUE AS BIGINT)), 0) FROM INFORMATION_SCHEMA.SETTINGS
                    WHERE SETTING_NAME = 'info.FILE_SIZE'""").query(Long.class).single();
            case POSTGRESQL -> jdbc.sql("SELECT pg_database_size(current_database())").query(Long.class).single();
        };
    }

    /** First statement of a batch's database transaction. */
    void startBatch(JdbcClient jdbc, boolean forced) {
        if (database == Database.POSTGRESQL) {
            jdbc.sql(forced ? "SET LOCAL synchronous_commit TO on" : "SET LOCAL synchronous_commit TO off").update();
        }
    }

    /**
     * Forces to disk everything the log has committed, from any connection: after a forced batch commits (before
     * any of its writers goes on), and on the decision file's trim thread before it drops decisions.
     */
    void syncAfterCommit(JdbcClient jdbc) {
        if (database == Database.H2) {
            jdbc.sql("CHECKPOINT SYNC").update();
        }
    }
}
