package dev.verdict.coordinator.log;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.flywaydb.core.Flyway;
import org.h2.engine.ConnectionInfo;
import org.h2.store.fs.FileUtils;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

import dev.verdict.coordinator.config.CoordinatorProperties;
import tools.jackson.databind.json.JsonMapper;

/**
 * Where an H2 log forces its commit decisions: a small H2 file of its own beside the log's
 * ({@code <log>-decisions.mv.db}, opened through {@code sync:} as the log is). A forced write commits to the log
 * without waiting for the log's disk, then appends its decisions here and forces this file only. That costs a
 * fraction of forcing the log's file: a chunk here holds the pages of one small table, and the log's compaction,
 * which can hold H2's store lock for a hundred milliseconds and more, never runs in front of it (benchmarks.md,
 * wait-1). The log's own rows reach its disk within {@code WRITE_DELAY}; until {@link DecisionTrim} has forced
 * the log's file past them, the decisions here are the durable copy, and {@link DecisionReplay} puts them back
 * into the log at start-up.
 *
 * <p>Off, so that every forced write syncs the log's own file as before, unless the log is an H2 file opened
 * through {@code sync:} and {@code verdict.coordinator.decision-file} is true (the default). Turned off, a file
 * that an earlier run left is still read at start-up. One connection,
 * used by one thread at a time: the log writer's, the trim's and, before either starts, the replay's.
 */
@Component
class DecisionFile implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(DecisionFile.class);
    static final String SUFFIX = "-decisions";

    private final @Nullable Connection connection;
    private final @Nullable String name;
    private final boolean forcing;
    private final JsonMapper json;

    @Autowired
    DecisionFile(Environment environment, CoordinatorProperties properties, JsonMapper json) throws SQLException {
        this(besideTheLog(environment.getProperty("spring.datasource.url"), user(environment), password(environment)),
                properties.decisionFile(), user(environment), password(environment), json);
    }

    /**
     * The decision file {@code name} (as in an H2 URL, without {@code .mv.db}; null for none). With {@code forcing}
     * false it takes no decisions, but one left by an earlier run is still opened, so that its decisions are put back.
     */
    DecisionFile(@Nullable String name, boolean forcing, String user, String password, JsonMapper json) throws SQLException {
        this.name = name;
        this.json = json;
        this.forcing = forcing;
        if (name == null || !forcing && !FileUtils.exists(name + ".mv.db")) {
            this.connection = null;
            return;
        }
        // Closed by this bean, after the log writer has stopped, not by H2's own hook as the JVM exits. No
        // WRITE_DELAY: every commit here is forced at once anyway, and without one H2 starts no background
        // threads for the file and writes each chunk on the committing thread, instead of handing it to two
        // threads of its own and waiting for them (benchmarks.md, wait-2).
        String url = "jdbc:h2:file:" + name + ";RETENTION_TIME=0;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
        H2LogRecovery.recover(url, user, password);
        Flyway.configure().dataSource(url, user, password).locations("classpath:db/decisions").load().migrate();
        this.connection = DriverManager.getConnection(url, user, password);
        connection.setAutoCommit(false);
        log.info(forcing ? "Commit decisions of the H2 log are forced to {}.mv.db"
                : "Commit decisions of the H2 log are not forced to {}.mv.db (verdict.coordinator.decision-file is false);"
                        + " the decisions an earlier run left in it are read once", name);
    }

    private static String user(Environment environment) {
        return environment.getProperty("spring.datasource.username", "");
    }

    private static String password(Environment environment) {
        return environment.getProperty("spring.datasource.password", "");
    }

    /**
     * The decision file's name for the H2 log of {@code logUrl}: the log's, with {@link #SUFFIX}; null if the log
     * is not an embedded H2 file opened through {@code sync:}.
     */
    static @Nullable String besideTheLog(@Nullable String logUrl, String user, String password) {
        if (logUrl == null || !logUrl.startsWith("jdbc:h2:")) {
            return null;
        }
        ConnectionInfo info = new ConnectionInfo(logUrl, new Properties(), user, password);
        if (!info.isPersistent() || info.isRemote() || !info.getName().startsWith(SyncedFiles.SCHEME + ":")) {
            return null;
        }
        return info.getName() + SUFFIX;
    }

    /** Whether commit decisions are forced here. */
    boolean isOn() {
        return connection != null && forcing;
    }

    /** Whether the file is open: it takes decisions, or it is one an earlier run left, to be read and emptied. */
    boolean isOpen() {
        return connection != null;
    }

    /** Appends {@code decisions} and forces the file to disk: when this returns, they survive a crash. */
    void force(List<Decision> decisions) {
        inTransaction("force " + decisions.size() + " commit decisions to", true, file -> {
            try (PreparedStatement insert = file.prepareStatement("INSERT INTO decision (transaction_id, body) VALUES (?, ?)")) {
                for (Decision decision : decisions) {
                    insert.setString(1, decision.transaction().id());
                    insert.setString(2, json.writeValueAsString(decision));
                    insert.addBatch();
                }
                return insert.executeBatch().length;
            }
        });
    }

    /** Every decision the file holds, oldest first, and the position of the last. */
    Held held() {
        return inTransaction("read the commit decisions in", false, file -> {
            try (Statement query = file.createStatement();
                    ResultSet rows = query.executeQuery("SELECT seq, body FROM decision ORDER BY seq")) {
                List<Decision> decisions = new ArrayList<>();
                long last = 0;
                while (rows.next()) {
                    last = rows.getLong(1);
                    decisions.add(json.readValue(rows.getString(2), Decision.class));
                }
                return new Held(decisions, last);
            }
        });
    }

    /** The decisions in the file, and the position of the last one ({@code 0} if there is none). */
    record Held(List<Decision> decisions, long last) {
    }

    /** The position of the last decision appended, 0 if there is none. */
    long last() {
        return inTransaction("read", false, file -> {
            try (Statement query = file.createStatement();
                    ResultSet row = query.executeQuery("SELECT COALESCE(MAX(seq), 0) FROM decision")) {
                row.next();
                return row.getLong(1);
            }
        });
    }

    /**
     * Drops the decisions up to {@code last}, which the log's own file must hold on its disk already. Not forced:
     * a drop that a crash undoes only means a decision is put back that the log has anyway.
     */
    int forgetUpTo(long last) {
        return inTransaction("drop decisions from", false, file -> {
            try (PreparedStatement delete = file.prepareStatement("DELETE FROM decision WHERE seq <= ?")) {
                delete.setLong(1, last);
                return delete.executeUpdate();
            }
        });
    }

    /** A piece of work on the file's connection. */
    private interface Work<T> {
        T on(Connection file) throws SQLException;
    }

    /**
     * Runs {@code work} in a transaction of its own on the one connection, one caller at a time, and commits it,
     * then forces the file to disk if {@code forced}; on failure rolls back and says what could not be done.
     */
    private synchronized <T> T inTransaction(String what, boolean forced, Work<T> work) {
        Connection file = open();
        try {
            T result = work.on(file);
            file.commit();
            if (forced) {
                try (Statement sync = file.createStatement()) {
                    sync.execute("CHECKPOINT SYNC");
                }
            }
            return result;
        } catch (SQLException e) {
            rollBackQuietly(file, e);
            throw new IllegalStateException("could not " + what + " " + name + ".mv.db", e);
        }
    }

    /** What the file takes on disk, in bytes; 0 if there is none. */
    long sizeInBytes() {
        return connection == null ? 0 : FileUtils.size(name + ".mv.db");
    }

    private Connection open() {
        if (connection == null) {
            throw new IllegalStateException("there is no decision file");
        }
        return connection;
    }

    private static void rollBackQuietly(Connection file, SQLException cause) {
        try {
            file.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public void destroy() throws SQLException {
        if (connection != null) {
            connection.close();
        }
    }
}
