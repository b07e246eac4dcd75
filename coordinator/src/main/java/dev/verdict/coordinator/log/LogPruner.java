package dev.verdict.coordinator.log;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.verdict.coordinator.config.CoordinatorProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Keeps the log small over a long run: finished transactions (COMMITTED or ABORTED) leave it, with their
 * branches and history, once they have been finished for {@code log-retention}. A finished transaction is
 * final and nobody writes to it again, so this deletes outside the group commit, in batches, without
 * holding up the transactions being decided. The audit trail of operator actions is kept.
 *
 * <p>A participant that asks about a pruned transaction hears that the log has no record of it; none can
 * need to, since every branch of a finished transaction acknowledged its outcome.
 */
@Component
class LogPruner {

    private static final Logger log = LoggerFactory.getLogger(LogPruner.class);
    private static final int BATCH = 500;

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final CoordinatorProperties properties;
    private final Clock clock;
    private final Counter pruned;
    private final LogDialect dialect;
    private final DecisionFile decisionFile;
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    LogPruner(JdbcClient jdbc, PlatformTransactionManager transactionManager, CoordinatorProperties properties, Clock clock,
            LogDialect dialect, DecisionFile decisionFile, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.dialect = dialect;
        this.decisionFile = decisionFile;
        this.transactions = new TransactionTemplate(transactionManager);
        this.properties = properties;
        this.clock = clock;
        this.pruned = Counter.builder("verdict.log.pruned").description("finished transactions removed from the log")
                .register(meters);
        Gauge.builder("verdict.log.transactions", rows, AtomicLong::get)
                .description("transactions in the log, counted at each pruning pass").register(meters);
        Gauge.builder("verdict.log.size", bytes, AtomicLong::get).baseUnit("bytes")
                .description("disk taken by the log (the H2 file with its decision file, or the PostgreSQL database), read at each pruning pass")
                .register(meters);
    }

    @Scheduled(initialDelayString = "${verdict.coordinator.log-prune-interval:30s}",
            fixedDelayString = "${verdict.coordinator.log-prune-interval:30s}")
    void prune() {
        Instant cutoff = clock.instant().minus(properties.logRetention());
        int total = 0;
        int deleted;
        do {
            deleted = pruneBatch(cutoff);
            total += deleted;
        } while (deleted == BATCH);
        if (total > 0) {
            pruned.increment(total);
            log.debug("Pruned {} transactions finished before {}", total, cutoff);
        }
        rows.set(jdbc.sql("SELECT COUNT(*) FROM global_transaction").query(Long.class).single());
        bytes.set(dialect.sizeInBytes(jdbc) + decisionFile.sizeInBytes());
    }

    private int pruneBatch(Instant cutoff) {
        Integer deleted = transactions.execute(status -> {
            List<String> ids = jdbc.sql("""
                    SELECT id FROM global_transaction WHERE finished_at < :cutoff ORDER BY finished_at LIMIT :limit""")
                    .param("cutoff", TransactionLog.at(cutoff)).param("limit", BATCH)
                    .query(String.class).list();
            if (ids.isEmpty()) {
                return 0;
            }
            jdbc.sql("DELETE FROM transaction_event WHERE transaction_id IN (:ids)").param("ids", ids).update();
            jdbc.sql("DELETE FROM branch WHERE transaction_id IN (:ids)").param("ids", ids).update();
            return jdbc.sql("DELETE FROM global_transaction WHERE id IN (:ids)").param("ids", ids).update();
        });
        return deleted == null ? 0 : deleted;
    }
}
