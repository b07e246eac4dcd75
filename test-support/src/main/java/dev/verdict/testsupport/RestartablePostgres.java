package dev.verdict.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A PostgreSQL server of its own that can be restarted on the same data directory and port, as an operator
 * restarts a database: every open connection breaks, and prepared transactions survive.
 */
public final class RestartablePostgres implements AutoCloseable {

    private final Path data;
    private final int port = Ports.free();
    private final Map<String, String> serverConfig;
    private EmbeddedPostgres server;

    public RestartablePostgres(Path data, Map<String, String> serverConfig) {
        this.data = data;
        this.serverConfig = Map.copyOf(serverConfig);
        start();
    }

    public synchronized EmbeddedPostgres server() {
        return server;
    }

    /** Stops the server (a fast shutdown: sessions end, their transactions roll back) and starts it again. */
    public synchronized void restart() {
        stop();
        start();
    }

    private void start() {
        try {
            java.nio.file.Files.createDirectories(data);
            // never clean: the data directory is the database, and it must outlive each stop
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port);
            serverConfig.forEach(builder::setServerConfig);
            server = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start PostgreSQL on " + data, e);
        }
    }

    private void stop() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        stop();
    }
}
