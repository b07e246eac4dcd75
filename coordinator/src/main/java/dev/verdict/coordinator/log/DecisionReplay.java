package dev.verdict.coordinator.log;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.verdict.coordinator.branch.Branch;
import dev.verdict.coordinator.log.DecisionFile.Held;
import dev.verdict.coordinator.log.LogWriter.Durability;
import dev.verdict.coordinator.log.TransactionLog.BranchMove;
import dev.verdict.coordinator.transaction.GlobalTransaction;
import dev.verdict.coordinator.transaction.TransactionState;

/**
 * Keeps the {@link DecisionFile} and the log in step. At start-up, before anything else reads or writes the log
 * (recovery's presumed abort included), it puts back every decision of the file that the log lost in a crash;
 * then, and every {@code verdict.coordinator.decision-trim-interval} (1 s) after, it forces the log's own file and drops the decisions that the log now holds on
 * its disk, so the decision file stays a few hundred rows long.
 */
@Component
class DecisionReplay implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(DecisionReplay.class);
    static final String RESTORED = "restored at start-up from the decision file: the log had lost its commit decision";

    private final DecisionFile file;
    private final LogWriter writer;
    private final JdbcClient jdbc;
    private final LogDialect dialect;
    private final Clock clock;
    private volatile boolean replayed;
    private long trimmed;

    DecisionReplay(DecisionFile file, LogWriter writer, JdbcClient jdbc, LogDialect dialect, Clock clock) {
        this.file = file;
        this.writer = writer;
        this.jdbc = jdbc;
        this.dialect = dialect;
        this.clock = clock;
    }

    @Override
    public void start() {
        if (file.isOpen()) {
            Held held = file.held();
            long restored = held.decisions().stream().filter(decision -> restore(decision, clock.instant())).count();
            if (!held.decisions().isEmpty()) {
                log.info("The decision file held {} commit decisions; {} of them were missing from the log and are back",
                        held.decisions().size(), restored);
                forceLogAndForget(held.last());
            }
        }
        replayed = true;
    }

    /**
     * Forces the log's own file, then drops the decisions it holds: every decision up to the file's last was
     * committed to the log before it was appended, so the forced log has it.
     */
    @Scheduled(initialDelayString = "${verdict.coordinator.decision-trim-interval:1s}",
            fixedDelayString = "${verdict.coordinator.decision-trim-interval:1s}")
    synchronized void trim() {
        if (!replayed || !file.isOpen()) {
            return;
        }
        try {
            long last = file.last();
            if (last > trimmed) {
                forceLogAndForget(last);
            }
        } catch (RuntimeException e) {
            // the decisions stay in the file, which is all that is needed; the next pass tries again
            log.warn("Could not trim the decision file", e);
        }
    }

    private synchronized void forceLogAndForget(long last) {
        // Forced on this thread, not the log writer's: forcing the log's file waits for H2's store lock, which its
        // compaction holds for up to a few hundred milliseconds, and the writer would hold up every write meanwhile
        // (benchmarks.md, wait-2). The sync writes whatever the log has committed, so every decision up to last.
        dialect.syncAfterCommit(jdbc);
        file.forgetUpTo(last);
        trimmed = last;
    }

    /**
     * Puts {@code decision} back into the log, the transaction's row and its branches included, unless the log
     * already has a decision on it. The transaction's lease ends at once, so recovery sends its phase 2.
     */
    private boolean restore(Decision decision, Instant now) {
        GlobalTransaction row = decision.transaction();
        String id = row.id();
        return writer.write(Durability.LAZY, jdbc -> {
            Optional<TransactionState> inLog = jdbc.sql("SELECT state FROM global_transaction WHERE id = :id")
                    .param("id", id).query(String.class).optional().map(TransactionState::valueOf);
            if (inLog.isPresent() && inLog.get().isDecided()) {
                return false;
            }
            if (inLog.isEmpty()) {
                TransactionLog.insertRow(jdbc, new GlobalTransaction(id, row.name(), TransactionState.ACTIVE, null,
                        row.createdAt(), row.expiresAt(), null, null, row.createdAt(), row.owner(), now, row.client()));
            }
            TransactionState from = inLog.orElse(TransactionState.ACTIVE);
            from.moveTo(TransactionState.COMMITTING);
            jdbc.sql("""
                    UPDATE global_transaction SET state = :to, decided_at = :decidedAt, updated_at = :now, owner = :owner,
                        lease_until = :now
                    WHERE id = :id AND state = :from""")
                    .param("to", TransactionState.COMMITTING.name()).param("decidedAt", TransactionLog.at(row.decidedAt()))
                    .param("now", TransactionLog.at(now)).param("owner", row.owner()).param("id", id)
                    .param("from", from.name()).update();
            Map<String, Branch> branchesInLog = TransactionLog.branchesOf(jdbc, id).stream()
                    .collect(Collectors.toMap(Branch::id, Function.identity()));
            List<Branch> missing = decision.branches().stream().filter(branch -> !branchesInLog.containsKey(branch.id())).toList();
            RegistrationWrites.insertRows(jdbc, missing);
            for (Branch branch : decision.branches()) {
                Branch there = branchesInLog.get(branch.id());
                if (there != null && there.state() != branch.state()) {
                    TransactionLog.moveBranch(jdbc, new BranchMove(there, branch.state(), branch.voteDetail()), now, false);
                }
            }
            History.record(jdbc, id, null, inLog.orElse(null), TransactionState.COMMITTING, RESTORED, now);
            return true;
        });
    }

    @Override
    public void stop() {
        replayed = false;
    }

    @Override
    public boolean isRunning() {
        return replayed;
    }

    /** Right after the log writer starts, before recovery or the web server. */
    @Override
    public int getPhase() {
        return Integer.MIN_VALUE + 1001;
    }
}
