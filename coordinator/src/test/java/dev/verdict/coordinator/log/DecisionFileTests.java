package dev.verdict.coordinator.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import dev.verdict.coordinator.log.LogWriter.Durability;
import dev.verdict.coordinator.transaction.GlobalTransaction;
import dev.verdict.coordinator.transaction.TransactionState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.databind.json.JsonMapper;

/** Which logs get a decision file, and what the group commit puts into it. */
class DecisionFileTests {

    @TempDir
    Path directory;

    private JdbcClient jdbc;
    private DecisionFile file;
    private LogWriter writer;

    @Test
    void onlyAnH2LogInASyncedFileGetsADecisionFileBesideIt() {
        assertThat(DecisionFile.besideTheLog("jdbc:h2:file:sync:/var/verdict/verdict-log;WRITE_DELAY=100", "v", ""))
                .isEqualTo("sync:/var/verdict/verdict-log-decisions");
        assertThat(DecisionFile.besideTheLog("jdbc:h2:file:/var/verdict/verdict-log", "v", "")).isNull();
        assertThat(DecisionFile.besideTheLog("jdbc:h2:mem:log", "v", "")).isNull();
        assertThat(DecisionFile.besideTheLog("jdbc:h2:tcp://localhost/sync:/var/verdict/verdict-log", "v", "")).isNull();
        assertThat(DecisionFile.besideTheLog("jdbc:postgresql://localhost/verdict", "v", "")).isNull();
        assertThat(DecisionFile.besideTheLog(null, "v", "")).isNull();
    }

    @BeforeEach
    void aWriterOnASyncedH2LogWithItsDecisionFile() throws SQLException {
        SyncedFiles.register();
        JdbcDataSource log = new JdbcDataSource();
        log.setURL("jdbc:h2:file:" + SyncedFiles.SCHEME + ":" + directory.resolve("log") + ";WRITE_DELAY=100;RETENTION_TIME=0");
        log.setUser("verdict");
        Flyway.configure().dataSource(log).locations("classpath:db/migration/h2").load().migrate();
        jdbc = JdbcClient.create(log);
        file = new DecisionFile(SyncedFiles.SCHEME + ":" + directory.resolve("log" + DecisionFile.SUFFIX), true, "verdict", "",
                JsonMapper.builder().build());
        writer = new LogWriter(new DataSourceTransactionManager(log), jdbc, new LogDialect(log), file, new SimpleMeterRegistry());
        writer.start();
    }

    @AfterEach
    void stop() throws SQLException {
        writer.stop();
        file.destroy();
    }

    @Test
    void aCommitDecisionIsInTheDecisionFileWhenItsWriterReturns() {
        String id = writer.decide(jdbc -> commit("t1"), decided -> decided);

        DecisionFile.Held held = file.held();
        assertThat(held.decisions()).singleElement().satisfies(decision -> {
            assertThat(decision.transaction().id()).isEqualTo(id);
            assertThat(decision.transaction().state()).isEqualTo(TransactionState.COMMITTING);
            assertThat(decision.transaction().client()).isEqualTo("a client");
        });
        assertThat(held.last()).isPositive();
    }

    @Test
    void aForcedWriteThatDecidesNothingLeavesTheDecisionFileAlone() {
        writer.<String>decide(jdbc -> null, decided -> decided);
        writer.write(Durability.FORCED, jdbc -> commit("t2"));

        assertThat(file.held().decisions()).isEmpty();
    }

    @Test
    void droppedDecisionsAreGoneAndLaterOnesStay() {
        writer.decide(jdbc -> commit("t3"), decided -> decided);
        long first = file.last();
        writer.decide(jdbc -> commit("t4"), decided -> decided);

        assertThat(file.forgetUpTo(first)).isEqualTo(1);
        assertThat(file.held().decisions()).extracting(decision -> decision.transaction().id()).containsExactly("t4");
    }

    @Test
    void turnedOffItTakesNoDecisionsButOneAnEarlierRunLeftIsStillRead() throws SQLException {
        writer.decide(jdbc -> commit("t5"), decided -> decided);
        writer.stop();
        file.destroy();

        file = new DecisionFile(SyncedFiles.SCHEME + ":" + directory.resolve("log" + DecisionFile.SUFFIX), false, "verdict", "",
                JsonMapper.builder().build());
        assertThat(file.isOn()).isFalse();
        assertThat(file.isOpen()).isTrue();
        assertThat(file.held().decisions()).extracting(decision -> decision.transaction().id()).containsExactly("t5");

        DecisionFile none = new DecisionFile(SyncedFiles.SCHEME + ":" + directory.resolve("other" + DecisionFile.SUFFIX), false,
                "verdict", "", JsonMapper.builder().build());
        assertThat(none.isOpen()).isFalse();
        assertThat(directory.resolve("other" + DecisionFile.SUFFIX + ".mv.db")).doesNotExist();
    }

    /** A transaction written ACTIVE and moved to COMMITTING, as a decision's write leaves it. */
    private String commit(String id) {
        Instant now = Instant.now();
        TransactionLog.insertRow(jdbc, new GlobalTransaction(id, null, TransactionState.ACTIVE, null, now, now.plusSeconds(60), null,
                null, now, "node1/test", now.plusSeconds(30), "a client"));
        jdbc.sql("UPDATE global_transaction SET state = 'COMMITTING', decided_at = :now WHERE id = :id")
                .param("now", TransactionLog.at(now)).param("id", id).update();
        return id;
    }
}
