package dev.verdict.participant.autoconfigure;

import java.time.Duration;
import java.time.Instant;
import java.util.Deque;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

import dev.verdict.participant.autoconfigure.CoordinatorClient.BeginRequest;

/**
 * Transactions begun ahead: a process that begins transactions often asks each commit or rollback to begin its
 * next transaction too, and takes that one at its next {@code begin} instead of calling the coordinator. It asks
 * only for a name and timeout it began again within {@link #FREQUENT} (so a process that begins rarely never
 * leaves one unused), and takes one only within {@link #FRESH} of its answer (or a tenth of its timeout, if
 * that is shorter), so the time left before its timeout is never much less than asked for. One left unused
 * (the process stopped beginning) times out at the coordinator as any abandoned transaction does, with nothing
 * to roll back.
 */
final class NextTransactions {

    static final long FREQUENT = Duration.ofSeconds(1).toNanos();
    static final long FRESH = Duration.ofSeconds(1).toNanos();
    private static final int MOST_KEPT = 64;
    private static final long FORGOTTEN_AFTER = Duration.ofMinutes(10).toNanos();

    /** What a transaction was begun with; its next one is begun with the same. */
    private record Kind(@Nullable String name, @Nullable Duration timeout) {
    }

    private record Ahead(GlobalTransaction transaction, long usableUntil) {
    }

    /** A transaction begun here and not finished yet: its kind, and whether to ask for its next one. */
    private record Open(Kind kind, boolean askNext, long begunAt) {
    }

    private final Map<Kind, Deque<Ahead>> ahead = new ConcurrentHashMap<>();
    private final Map<Kind, Long> lastBegun = new ConcurrentHashMap<>();
    private final Map<String, Open> open = new ConcurrentHashMap<>();
    private final AtomicInteger kept = new AtomicInteger();
    private final LongSupplier nanos;

    NextTransactions(LongSupplier nanos) {
        this.nanos = nanos;
    }

    /** A transaction begun ahead for this name and timeout, still fresh, or null: then begin one at the coordinator. */
    @Nullable GlobalTransaction take(@Nullable String name, @Nullable Duration timeout) {
        Deque<Ahead> ready = ahead.get(new Kind(name, timeout));
        long now = nanos.getAsLong();
        for (Ahead next = ready == null ? null : ready.pollFirst(); next != null; next = ready.pollFirst()) {
            kept.decrementAndGet();
            if (now - next.usableUntil() < 0) {
                return next.transaction();
            }
            // too old to take: it times out at the coordinator, as any transaction its client left does
        }
        return null;
    }

    /** Notes a transaction begun with this name and timeout, by either way. */
    void begun(String id, @Nullable String name, @Nullable Duration timeout) {
        Kind kind = new Kind(name, timeout);
        long now = nanos.getAsLong();
        Long before = lastBegun.put(kind, now);
        if (open.size() > 10_000) {
            open.values().removeIf(transaction -> now - transaction.begunAt() > FORGOTTEN_AFTER);
        }
        open.put(id, new Open(kind, before != null && now - before < FREQUENT, now));
    }

    /**
     * What to ask the commit or rollback of {@code id} to begin next, or null: not begun here, not begun often,
     * or enough kept already. Forgets {@code id}, so a retried commit asks for nothing.
     */
    @Nullable BeginRequest nextFor(String id) {
        Open finishing = open.remove(id);
        if (finishing == null || !finishing.askNext() || kept.get() >= MOST_KEPT) {
            return null;
        }
        Kind kind = finishing.kind();
        return new BeginRequest(kind.timeout() == null ? null : kind.timeout().toSeconds(), kind.name());
    }

    /** Keeps a transaction the coordinator began ahead, as {@code asked}, with {@code timeout}. */
    void keep(BeginRequest asked, String id, Instant expiresAt, Duration timeout) {
        Kind kind = new Kind(asked.name(), asked.timeoutSeconds() == null ? null : Duration.ofSeconds(asked.timeoutSeconds()));
        long usableFor = Math.min(FRESH, timeout.toNanos() / 10);
        ahead.computeIfAbsent(kind, any -> new ConcurrentLinkedDeque<>())
                .addLast(new Ahead(new GlobalTransaction(id, Objects.requireNonNull(expiresAt)), nanos.getAsLong() + usableFor));
        kept.incrementAndGet();
    }
}
