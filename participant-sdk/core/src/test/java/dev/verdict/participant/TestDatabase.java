package dev.verdict.participant;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

import javax.sql.XADataSource;

import org.h2.jdbcx.JdbcDataSource;
import org.postgresql.xa.PGXADataSource;

import dev.verdict.testsupport.EmbeddedPostgresServer;

/** The databases a participant's branches are tested on: an H2 file and the shared embedded PostgreSQL. */
enum TestDatabase {

    H2 {
        @Override
        String newDatabase() {
            try {
                return "jdbc:h2:file:" + Files.createTempDirectory("branches").resolve("participant").toAbsolutePath();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        XADataSource xaDataSource(String url) {
            JdbcDataSource dataSource = new JdbcDataSource();
            dataSource.setURL(url);
            dataSource.setUser("sa");
            dataSource.setPassword("");
            return dataSource;
        }

        @Override
        String sessionQuery() {
            return "SELECT SESSION_ID() || '@' || SESSION_START FROM INFORMATION_SCHEMA.SESSIONS WHERE SESSION_ID = SESSION_ID()";
        }

        @Override
        String killSessionStatement() {
            return "CALL ABORT_SESSION(?)";
        }
    },

    POSTGRESQL {
        @Override
        String newDatabase() {
            return EmbeddedPostgresServer.newDatabase("branches");
        }

        @Override
        XADataSource xaDataSource(String url) {
            PGXADataSource dataSource = new PGXADataSource();
            dataSource.setUrl(url);
            dataSource.setUser("postgres");
            dataSource.setPassword("postgres");
            return dataSource;
        }

        @Override
        String sessionQuery() {
            return "SELECT pid || '@' || backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()";
        }

        @Override
        String killSessionStatement() {
            return "SELECT pg_terminate_backend(?)";
        }
    };

    /** A new, empty database; answers its JDBC URL. */
    abstract String newDatabase();

    abstract XADataSource xaDataSource(String url);

    /**
     * A query that answers which database session (physical connection) it runs on, as
     * {@code <id>@<start time>}: ids alone are reused once a session ends.
     */
    abstract String sessionQuery();

    /** A statement that ends the session whose id is its parameter, as a database restart would. */
    abstract String killSessionStatement();
}
