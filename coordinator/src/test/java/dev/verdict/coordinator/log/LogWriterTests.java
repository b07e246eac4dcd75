package dev.verdict.coordinator.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import dev.verdict.coordinator.log.LogWriter.Durability;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.databind.json.JsonMapper;

/** What the group commit does when the sync to disk after a forced batch fails. */
class LogWriterTests {

    @TempDir
    Path directory;

    private JdbcClient jdbc;
    private LogWriter writer;
    private final AtomicInteger syncFailures = new AtomicInteger();

    @BeforeEach
    void aWriterOnAnH2FileWhoseSyncCanFail() throws SQLException {
        JdbcDataSource log = new JdbcDataSource();
        log.setURL("jdbc:h2:file:" + directory.resolve("log"));
        log.setUser("verdict");
        jdbc = JdbcClient.create(log);
        jdbc.sql("CREATE TABLE decision (id VARCHAR(20) PRIMARY KEY)").update();
        LogDialect failingSync = new LogDialect(log) {
            @Override
            void syncAfterCommit(JdbcClient client) {
                if (syncFailures.getAndDecrement() > 0) {
                    throw new IllegalStateException("the disk refused the sync");
                }
                super.syncAfterCommit(client);
            }
        };
        writer = new LogWriter(new DataSourceTransactionManager(log), jdbc, failingSync,
                new DecisionFile(null, false, "", "", JsonMapper.builder().build()), new SimpleMeterRegistry());
        writer.start();
    }

    @AfterEach
    void stop() {
        writer.stop();
    }

    @Test
    void forcedWritesWhoseSyncFailsFailTheirCallersAndAreNotRunAgain() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch writerBusy = new CountDownLatch(1);
        // hold the writer, so that the two decisions below wait together and share one group commit
        CompletableFuture<Boolean> holder = writer.submit(Durability.LAZY, client -> {
            holding.countDown();
            return awaitQuietly(writerBusy);
        });
        assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Integer> first = writer.submit(Durability.FORCED, insert("t1", runs));
        CompletableFuture<Integer> second = writer.submit(Durability.FORCED, insert("t2", runs));
        syncFailures.set(1);
        writerBusy.countDown();
        holder.get(10, TimeUnit.SECONDS);

        for (CompletableFuture<Integer> decision : List.of(first, second)) {
            assertThatThrownBy(() -> decision.get(10, TimeUnit.SECONDS)).hasRootCauseMessage("the disk refused the sync");
        }
        // both committed before the sync failed, and each ran once: not again, alone, as after a failed write
        assertThat(runs).hasValue(2);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM decision").query(Integer.class).single()).isEqualTo(2);
        // the writer goes on with the next write
        int inserted = writer.write(Durability.FORCED, insert("t3", runs));
        assertThat(inserted).isEqualTo(1);
    }

    private static Function<JdbcClient, Integer> insert(String id, AtomicInteger runs) {
        return client -> {
            runs.incrementAndGet();
            return client.sql("INSERT INTO decision (id) VALUES (:id)").param("id", id).update();
        };
    }

    private static boolean awaitQuietly(CountDownLatch latch) {
        try {
            return latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
