package dev.verdict.coordinator.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

class LogDialectTests {

    @TempDir
    Path directory;

    @BeforeAll
    static void knowTheSyncedPrefix() {
        SyncedFiles.register();
    }

    @Test
    void anH2LogThatReusesChunksAtOnceMustBeOnSyncedFiles() {
        assertThatThrownBy(() -> new LogDialect(h2("jdbc:h2:file:" + directory.resolve("plain") + ";RETENTION_TIME=0")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("RETENTION_TIME=0")
                .hasMessageContaining("jdbc:h2:file:sync:<path>");
    }

    @Test
    void theShippedH2SettingsStartAndReportTheFileSize() throws Exception {
        JdbcDataSource log = h2("jdbc:h2:file:sync:" + directory.resolve("synced") + ";WRITE_DELAY=100;RETENTION_TIME=0");
        LogDialect dialect = new LogDialect(log);
        JdbcClient jdbc = JdbcClient.create(log);
        jdbc.sql("CREATE TABLE t (id INT PRIMARY KEY)").update();

        assertThat(dialect.database()).isEqualTo(LogDialect.Database.H2);
        long reported = dialect.sizeInBytes(jdbc);
        // H2's background writer may grow the file between the two reads, never shrink it
        assertThat(reported).isPositive().isLessThanOrEqualTo(Files.size(directory.resolve("synced.mv.db")));
    }

    @Test
    void anH2LogWithH2sOwnRetentionNeedsNoSyncedFiles() throws Exception {
        assertThat(new LogDialect(h2("jdbc:h2:file:" + directory.resolve("default"))).database())
                .isEqualTo(LogDialect.Database.H2);
    }

    private static JdbcDataSource h2(String url) {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL(url);
        dataSource.setUser("verdict");
        return dataSource;
    }
}
