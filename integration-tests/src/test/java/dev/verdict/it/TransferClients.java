package dev.verdict.it;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.TestCredentials;

/**
 * Clients that keep making transfers between the two banks over plain HTTP, each a full global transaction
 * (begin, a debit in one bank, a credit in the other, commit), and remember what they were told about each:
 * a transaction answered committed must end committed everywhere, one answered aborted must end rolled back
 * everywhere, and one whose answer was lost may end either way.
 */
final class TransferClients implements AutoCloseable {

    enum Told {
        COMMITTED, ABORTED, NOTHING
    }

    private final Http coordinator;
    private final Map<String, Http> banks;
    private final int accounts;
    private final ExecutorService threads;
    private final List<Future<?>> running = new ArrayList<>();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final Map<String, Told> told = new ConcurrentHashMap<>();
    private final AtomicInteger committed = new AtomicInteger();

    /** {@code banks} by name ("a", "b"), each with {@code accounts} accounts numbered from 1. */
    TransferClients(String coordinatorUrl, Map<String, String> banks, int accounts, int clients, long seed) {
        this.coordinator = TestCredentials.asClient(new Http(coordinatorUrl));
        this.banks = Map.of("a", new Http(banks.get("a")), "b", new Http(banks.get("b")));
        this.accounts = accounts;
        this.threads = Executors.newFixedThreadPool(clients);
        for (int i = 0; i < clients; i++) {
            Random random = new Random(seed + i);
            running.add(threads.submit(() -> {
                while (!stopped.get()) {
                    transfer(random);
                }
            }));
        }
    }

    private void transfer(Random random) {
        String from = random.nextBoolean() ? "a" : "b";
        String to = from.equals("a") ? "b" : "a";
        String id;
        try {
            Http.Answer begun = coordinator.post("/api/v1/transactions", Map.of("timeoutSeconds", 10));
            if (begun.status() != 201) {
                pause();
                return;
            }
            id = begun.text("id");
        } catch (UncheckedIOException coordinatorDown) {
            pause();
            return;
        }
        told.put(id, Told.NOTHING);
        try {
            long cents = 1 + random.nextInt(20_00);
            boolean worked = call(from, "/accounts/" + (1 + random.nextInt(accounts)) + "/debit", id, cents)
                    && call(to, "/accounts/" + (1 + random.nextInt(accounts)) + "/credit", id, cents);
            Http.Answer outcome = coordinator.post("/api/v1/transactions/" + id + (worked ? "/commit" : "/rollback"));
            told.put(id, interpret(worked, outcome));
            if (told.get(id) == Told.COMMITTED) {
                committed.incrementAndGet();
            }
        } catch (UncheckedIOException answerLost) {
            // the coordinator died mid-call: the transaction may end either way
        }
    }

    /**
     * What an answer promises. 200 COMMITTED and 202 COMMITTING are a logged commit; a 409 abort, a rollback
     * answered 200 ABORTED or 202 ABORTING, and a 503 from a coordinator still recovering (the commit never ran, so the transaction dies
     * with the run that began it) are an abort.
     */
    private static Told interpret(boolean commitAsked, Http.Answer outcome) {
        String status = outcome.text("status");
        if (commitAsked && (outcome.status() == 200 && status.equals("COMMITTED") || outcome.status() == 202)) {
            return Told.COMMITTED;
        }
        if (outcome.status() == 409 && outcome.text("type").endsWith("transaction-aborted")
                || !commitAsked && (outcome.status() == 200 || outcome.status() == 202) || outcome.status() == 503) {
            return Told.ABORTED;
        }
        return Told.NOTHING;
    }

    private boolean call(String bank, String path, String id, long cents) {
        return banks.get(bank).withHeader("Verdict-Transaction", id).post(path, Map.of("cents", cents)).status() == 200;
    }

    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Transfers answered committed so far. */
    int committed() {
        return committed.get();
    }

    int transactions() {
        return told.size();
    }

    /** Every transaction whose end in the log contradicts what its client was told. */
    List<String> contradictions(EndState end) {
        List<String> contradictions = new ArrayList<>();
        told.forEach((id, what) -> {
            String state = end.state(id);
            if (what == Told.COMMITTED && !"COMMITTED".equals(state) || what == Told.ABORTED && !"ABORTED".equals(state)) {
                contradictions.add("the client was told " + id + " " + what + ", but the log has it " + state);
            }
        });
        return contradictions;
    }

    /** Stops the clients and waits for the transfers under way. */
    @Override
    public void close() {
        stopped.set(true);
        threads.shutdown();
        try {
            if (!threads.awaitTermination(2, TimeUnit.MINUTES)) {
                throw new IllegalStateException("transfer clients did not stop within 2 minutes");
            }
            for (Future<?> client : running) {
                client.get(0, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("a transfer client failed", e);
        }
    }
}
