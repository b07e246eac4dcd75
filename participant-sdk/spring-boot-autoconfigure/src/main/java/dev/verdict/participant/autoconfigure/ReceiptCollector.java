package dev.verdict.participant.autoconfigure;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The receipts that participants answered with, for each global transaction this process began, kept until
 * the coordinator has answered the commit or rollback that carries them. They are kept through a call that got
 * no answer, since a retry without them would commit the transaction without those branches. A transaction
 * never finished here is forgotten a while after its timeout: by then the coordinator has decided it, or
 * aborted it, and answers a late commit without needing them.
 */
final class ReceiptCollector {

    private static final Duration KEPT_AFTER_TIMEOUT = Duration.ofMinutes(5);

    private final Map<String, Collected> open = new ConcurrentHashMap<>();
    private final Clock clock;

    ReceiptCollector(Clock clock) {
        this.clock = clock;
    }

    private record Collected(Instant forgetAfter, List<String> receipts) {
    }

    /** Starts collecting for a transaction begun here. */
    void open(String transactionId, Instant expiresAt) {
        Instant now = clock.instant();
        open.values().removeIf(collected -> collected.forgetAfter().isBefore(now));
        open.put(transactionId, new Collected(expiresAt.plus(KEPT_AFTER_TIMEOUT), new CopyOnWriteArrayList<>()));
    }

    /** Whether participants called in this transaction should answer with receipts: it was begun here. */
    boolean collects(String transactionId) {
        return open.containsKey(transactionId);
    }

    void add(String transactionId, List<String> receipts) {
        Collected collected = open.get(transactionId);
        if (collected != null) {
            collected.receipts().addAll(receipts);
        }
    }

    /** The receipts collected so far, to send with the commit or rollback. */
    List<String> receipts(String transactionId) {
        Collected collected = open.get(transactionId);
        return collected == null ? List.of() : List.copyOf(collected.receipts());
    }

    /** The coordinator has answered the commit or rollback: the receipts are no longer needed. */
    void forget(String transactionId) {
        open.remove(transactionId);
    }
}
