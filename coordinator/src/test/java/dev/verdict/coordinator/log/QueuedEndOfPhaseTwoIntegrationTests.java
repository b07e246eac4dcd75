package dev.verdict.coordinator.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.verdict.coordinator.TestCoordinator;
import dev.verdict.coordinator.log.LogWriter.Durability;
import dev.verdict.coordinator.transaction.CoordinatorIdentity;
import dev.verdict.coordinator.transaction.GlobalTransaction;
import dev.verdict.coordinator.transaction.TransactionRepository;
import dev.verdict.coordinator.transaction.TransactionState;

/**
 * The end of phase 2 is queued, not waited for, once every branch acknowledged; a read of the transaction
 * on this coordinator waits for it, so nobody reads a state older than the one the client was answered.
 */
@SpringBootTest
class QueuedEndOfPhaseTwoIntegrationTests {

    @DynamicPropertySource
    static void freshLog(DynamicPropertyRegistry registry) throws Exception {
        TestCoordinator.freshLogAndCredentials(registry, "queued-end-log");
    }

    @Autowired
    TransactionLog transactionLog;

    @Autowired
    LogWriter writer;

    @Autowired
    TransactionRepository transactions;

    @Autowired
    CoordinatorIdentity identity;

    @Test
    void aReadWaitsForTheQueuedEndOfItsTransaction() throws Exception {
        String id = committing();
        CountDownLatch release = new CountDownLatch(1);
        try {
            writer.submit(Durability.LAZY, jdbc -> awaitRelease(release));
            CompletableFuture<Boolean> end = transactionLog.phaseTwo().finish(id, TransactionState.COMMITTING, List.of(), Instant.now());

            AtomicReference<TransactionState> read = new AtomicReference<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                transactionLog.phaseTwo().settle(id);
                read.set(transactions.find(id).orElseThrow().state());
            });
            await().until(() -> reader.getState() == Thread.State.TIMED_WAITING);
            assertThat(transactions.find(id).orElseThrow().state()).as("the end is still queued").isEqualTo(TransactionState.COMMITTING);
            assertThat(read.get()).as("the reader is still waiting").isNull();

            release.countDown();
            reader.join(Duration.ofSeconds(10));
            assertThat(read.get()).isEqualTo(TransactionState.COMMITTED);
            assertThat(end.get(10, TimeUnit.SECONDS)).as("this write moved it to its end").isTrue();
        } finally {
            release.countDown();
        }
    }

    /** A transaction in the log with its commit decided, its lease this node's for a minute. */
    private String committing() {
        Instant now = Instant.now();
        Instant leaseUntil = now.plusSeconds(60);
        String id = identity.newTransactionId();
        transactionLog.begin(new GlobalTransaction(id, "queued end", TransactionState.ACTIVE, null, now, now.plusSeconds(60), null,
                null, now, identity.owner(), leaseUntil, "a client"));
        assertThat(transactionLog.startPreparing(id, identity.owner(), leaseUntil, now)).isTrue();
        assertThat(transactionLog.decide(id, TransactionState.PREPARING, TransactionState.COMMITTING, List.of(), null,
                identity.owner(), leaseUntil, now)).isTrue();
        return id;
    }

    private static Boolean awaitRelease(CountDownLatch release) {
        try {
            return release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
