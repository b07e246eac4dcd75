package dev.verdict.coordinator.log;

import static dev.verdict.coordinator.log.TransactionLog.at;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.verdict.coordinator.log.LogWriter.Durability;
import dev.verdict.coordinator.log.TransactionLog.BranchFailure;
import dev.verdict.coordinator.log.TransactionLog.BranchMove;
import dev.verdict.coordinator.transaction.TransactionState;

/**
 * What phase 2 achieved. When every branch acknowledged, the outcome is reached and the write that logs it
 * is bookkeeping (lazy under presumed abort, and phase 2 is sent again should it be lost), so its caller
 * need not wait for it: {@link #finish} queues it and answers at once. Reads of a transaction whose end is
 * still queued wait for it first ({@link #settle}), so a client never reads an older state than the one it
 * was answered.
 */
public final class PhaseTwoWrites {

    /** How long a read waits for a queued end before it reads what the log has. */
    private static final Duration SETTLE_WAIT = Duration.ofSeconds(5);

    private final LogWriter writer;
    private final Map<String, CompletableFuture<Boolean>> ending = new ConcurrentHashMap<>();

    PhaseTwoWrites(LogWriter writer) {
        this.writer = writer;
    }

    /**
     * Every branch acknowledged: queues the move of the transaction from its decision to its end (COMMITTED
     * or ABORTED) with the branches' acknowledgements, and answers at once. The end's history entry names the
     * branches that acknowledged in this write; they get no entries of their own. The future answers whether this
     * write made the move (false if someone else logged the end first).
     */
    public CompletableFuture<Boolean> finish(String id, TransactionState decision, List<BranchMove> acknowledged, Instant now) {
        TransactionState end = decision.end();
        CompletableFuture<Boolean> written = writer.submit(Durability.LAZY, jdbc -> {
            // plain acknowledgements are named in the end's history entry instead of entries of their own
            List<BranchMove> plain = new ArrayList<>();
            for (BranchMove ack : acknowledged) {
                if (TransactionLog.moveBranch(jdbc, ack, now, ack.detail() != null) && ack.detail() == null) {
                    plain.add(ack);
                }
            }
            String detail = plain.isEmpty() ? null
                    : "acknowledged by " + String.join(", ", plain.stream().map(ack -> ack.branch().participantName()).toList());
            boolean won = moveToEnd(jdbc, id, decision, end, detail, now);
            if (!won) {
                // someone else logged the end: the moves made here still get their entries
                plain.forEach(ack -> History.record(jdbc, id, ack.branch().id(), ack.branch().state(), ack.to(), null, now));
            }
            return won;
        });
        ending.put(id, written);
        written.whenComplete((won, failure) -> ending.remove(id, written));
        return written;
    }

    /**
     * Some branch did not acknowledge: logs the acknowledgements and failures there were, and hands the lease
     * back to recovery until {@code retryAt}.
     */
    public void retryLater(String id, TransactionState decision, List<BranchMove> acknowledged, List<BranchFailure> failures,
            String owner, Instant retryAt, Instant now) {
        decision.end(); // only a decided transaction is in phase 2
        writer.write(Durability.LAZY, jdbc -> {
            acknowledged.forEach(ack -> TransactionLog.moveBranch(jdbc, ack, now));
            for (BranchFailure failure : failures) {
                jdbc.sql("UPDATE branch SET attempts = attempts + 1, last_error = :error, updated_at = :now WHERE id = :id")
                        .param("error", failure.error()).param("now", at(now)).param("id", failure.branch().id()).update();
            }
            return jdbc.sql("UPDATE global_transaction SET lease_until = :retryAt WHERE id = :id AND owner = :owner")
                    .param("retryAt", at(retryAt)).param("id", id).param("owner", owner).update();
        });
    }

    /**
     * Waits until the end of transaction {@code id} queued by {@link #finish}, if any, is in the log, or a
     * few seconds at most: whatever reads the transaction next sees its end.
     */
    public void settle(String id) {
        CompletableFuture<Boolean> written = ending.get(id);
        if (written == null) {
            return;
        }
        try {
            written.get(SETTLE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // Not written (yet): the reader sees the decision, and recovery finishes the transaction.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean moveToEnd(JdbcClient jdbc, String id, TransactionState decision, TransactionState end,
            @Nullable String detail, Instant now) {
        boolean won = jdbc.sql("""
                UPDATE global_transaction SET state = :to, finished_at = :now, updated_at = :now
                WHERE id = :id AND state = :from""")
                .param("to", end.name()).param("now", at(now)).param("id", id).param("from", decision.name())
                .update() == 1;
        if (won) {
            History.record(jdbc, id, null, decision, end, detail, now);
        }
        return won;
    }
}
