package dev.verdict.coordinator.transaction;

import java.util.concurrent.atomic.AtomicLong;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import dev.verdict.coordinator.security.SecurityProperties;

/**
 * Refuses a new transaction while {@code verdict.security.max-active-transactions} are undecided, so that a
 * caller that begins and never finishes cannot fill the log and hold every participant's locks. The count
 * comes from the log at most once a second.
 */
@Component
class InFlightLimit {

    private final JdbcClient jdbc;
    private final int max;
    private final AtomicLong undecided = new AtomicLong();
    private volatile long countedAtNanos = System.nanoTime() - 2_000_000_000L;

    InFlightLimit(JdbcClient jdbc, SecurityProperties security) {
        this.jdbc = jdbc;
        this.max = security.maxActiveTransactions();
    }

    void requireRoom() {
        long now = System.nanoTime();
        if (now - countedAtNanos > 1_000_000_000L) {
            countedAtNanos = now;
            undecided.set(jdbc.sql("SELECT COUNT(*) FROM global_transaction WHERE state IN (:undecided)")
                    .param("undecided", TransactionRepository.UNDECIDED).query(Long.class).single());
        }
        if (undecided.get() >= max) {
            throw new RefusedException(Refusal.TOO_MANY_TRANSACTIONS, undecided.get() + " transactions are undecided, as many as"
                    + " verdict.security.max-active-transactions allows; finish some, or retry in a moment");
        }
    }
}
