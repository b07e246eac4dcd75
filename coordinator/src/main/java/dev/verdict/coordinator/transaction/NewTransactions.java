package dev.verdict.coordinator.transaction;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.verdict.coordinator.config.CoordinatorProperties;
import dev.verdict.coordinator.log.TransactionLog;
import dev.verdict.coordinator.security.Credentials.Caller;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Where transactions begin: on their own ({@code POST /api/v1/transactions}), or as the next transaction of a
 * client's commit or rollback, which takes the begin call, and on the usual path its log write, off the next
 * transaction's way. Either way a transaction is in the log, ACTIVE, before its id is given to anyone.
 */
@Component
public class NewTransactions {

    private static final Logger log = LoggerFactory.getLogger(NewTransactions.class);

    /** What a client asks of a transaction it begins; a null field takes the default. */
    public record Request(@Nullable String name, @Nullable Duration timeout) {
    }

    private final TransactionLog transactionLog;
    private final CoordinatorIdentity identity;
    private final CoordinatorProperties properties;
    private final InFlightLimit inFlight;
    private final Clock clock;
    private final Counter begun;
    private final Counter begunAsNext;

    NewTransactions(TransactionLog transactionLog, CoordinatorIdentity identity, CoordinatorProperties properties,
            InFlightLimit inFlight, Clock clock, MeterRegistry meters) {
        this.transactionLog = transactionLog;
        this.identity = identity;
        this.properties = properties;
        this.inFlight = inFlight;
        this.clock = clock;
        this.begun = meters.counter("verdict.transactions.begun");
        this.begunAsNext = Counter.builder("verdict.transactions.begun.next")
                .description("transactions begun as the next one of a commit or rollback (also counted in verdict.transactions.begun)")
                .register(meters);
    }

    /** Begins and logs a transaction, or refuses while too many are undecided. */
    public GlobalTransaction begin(Request request, Caller caller) {
        inFlight.requireRoom();
        GlobalTransaction transaction = transactionLog.begin(unlogged(request, caller));
        begun(transaction, false);
        return transaction;
    }

    /**
     * Checks a next transaction's request before its commit or rollback changes anything, and answers the
     * transaction to log, or null if none was asked for or too many are undecided now (the commit goes on
     * without one: the client begins its next transaction itself).
     */
    @Nullable GlobalTransaction next(@Nullable Request request, Caller caller) {
        if (request == null) {
            return null;
        }
        GlobalTransaction next = unlogged(request, caller);
        try {
            inFlight.requireRoom();
        } catch (RefusedException full) {
            return null;
        }
        return next;
    }

    /** The answer of a commit whose decision logged {@code next} with it. */
    Finished loggedWith(TransactionDetails details, @Nullable GlobalTransaction next) {
        if (next != null) {
            begun(next, true);
        }
        return new Finished(details, next);
    }

    /**
     * The answer of a commit or rollback, with {@code next} logged now, in a write of its own, if the
     * transaction reached the {@code decision} the client asked for; a commit that ended in an abort begins nothing.
     * Its timeout starts now, not when it was asked for: phase 2 may have taken a while.
     */
    Finished answer(TransactionDetails details, @Nullable GlobalTransaction next, TransactionState decision) {
        if (next == null || (details.state() != decision && details.state() != decision.end())) {
            return new Finished(details, null);
        }
        GlobalTransaction fresh = next.begunAt(clock.instant());
        try {
            String begunWith = (decision == TransactionState.COMMITTING ? "begun with the commit of " : "begun with the rollback of ")
                    + details.transaction().id();
            return loggedWith(details, transactionLog.begin(fresh, begunWith));
        } catch (RuntimeException e) {
            // The outcome stands and is what the client must hear; it begins its next transaction itself.
            log.warn("Could not begin the next transaction after {}: {}", details.transaction().id(), e.toString());
            return new Finished(details, null);
        }
    }

    /** Counts and reports a transaction that is in the log now. */
    private void begun(GlobalTransaction transaction, boolean asNext) {
        begun.increment();
        if (asNext) {
            begunAsNext.increment();
        }
        log.debug("Transaction {} begun{}{} with timeout {}", transaction.id(), asNext ? " as the next one" : "",
                transaction.name() == null ? "" : " as '" + transaction.name() + "'",
                Duration.between(transaction.createdAt(), transaction.expiresAt()));
    }

    private GlobalTransaction unlogged(Request request, Caller caller) {
        if (request.name() != null && request.name().length() > 200) {
            throw new IllegalArgumentException("name must be at most 200 characters long");
        }
        Duration timeout = request.timeout() == null ? properties.defaultTimeout() : request.timeout();
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(properties.maxTimeout()) > 0) {
            throw new IllegalArgumentException("timeoutSeconds must be between 1 and " + properties.maxTimeout().toSeconds()
                    + " (verdict.coordinator.max-timeout), but was " + timeout.toSeconds());
        }
        Instant now = clock.instant();
        // The lease starts out expired: nobody drives an active transaction, so a timeout may take it at once.
        return new GlobalTransaction(identity.newTransactionId(), request.name(), TransactionState.ACTIVE, null, now,
                now.plus(timeout), null, null, now, identity.owner(), now, caller.name());
    }
}
