package dev.verdict.participant.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.client.HttpClientErrorException;

import dev.verdict.participant.TransactionContext;
import dev.verdict.participant.autoconfigure.CoordinatorClient.BeginRequest;
import dev.verdict.participant.autoconfigure.CoordinatorClient.TransactionView;

/**
 * The initiating client's API: begin a global transaction, call participants while it is bound to the
 * thread (the RestClient and RestTemplate interceptors pass it on), then commit or roll back.
 *
 * <pre>{@code
 * transactions.execute("transfer", tx -> {
 *     bankA.post().uri("/accounts/1/debit").body(amount).retrieve().toBodilessEntity();
 *     bankB.post().uri("/accounts/9/credit").body(amount).retrieve().toBodilessEntity();
 *     return null;
 * });
 * }</pre>
 */
public class GlobalTransactions {

    private final CoordinatorClient coordinator;
    private final boolean answerAtDecision;
    private final @Nullable ReceiptCollector receipts;
    private final @Nullable NextTransactions nextTransactions;

    GlobalTransactions(CoordinatorClient coordinator, boolean answerAtDecision, @Nullable ReceiptCollector receipts,
            @Nullable NextTransactions nextTransactions) {
        this.coordinator = coordinator;
        this.answerAtDecision = answerAtDecision;
        this.receipts = receipts;
        this.nextTransactions = nextTransactions;
    }

    /**
     * Begins a transaction; a null timeout takes the coordinator's default. A process that begins often gets
     * it from the commit or rollback of its previous transaction, with no call (see {@code verdict.begin-ahead}).
     */
    public GlobalTransaction begin(@Nullable String name, @Nullable Duration timeout) {
        GlobalTransaction transaction = nextTransactions == null ? null : nextTransactions.take(name, timeout);
        if (transaction == null) {
            var view = coordinator.begin(name, timeout);
            transaction = new GlobalTransaction(view.id(), Objects.requireNonNull(view.expiresAt()));
        }
        if (nextTransactions != null) {
            nextTransactions.begun(transaction.id(), name, timeout);
        }
        if (receipts != null) {
            receipts.open(transaction.id(), transaction.expiresAt());
        }
        return transaction;
    }

    /**
     * Commits. Returns once every participant has committed, or with {@code verdict.answer-at-decision} as
     * soon as the commit decision is logged; either way every participant commits, even one that the
     * coordinator reaches only later, through its recovery.
     *
     * @throws GlobalTransactionAbortedException if any participant voted no or the transaction had timed out
     */
    public void commit(String transactionId) {
        commit(transactionId, answerAtDecision);
    }

    /**
     * Commits, returning as soon as the coordinator has logged its commit decision, whatever
     * {@code verdict.answer-at-decision} says: phase 2 goes on in the background, and every participant
     * commits, as with {@link #commit(String)}.
     *
     * @throws GlobalTransactionAbortedException if any participant voted no or the transaction had timed out
     */
    public void commitAtDecision(String transactionId) {
        commit(transactionId, true);
    }

    private void commit(String transactionId, boolean atDecision) {
        BeginRequest next = nextTransactions == null ? null : nextTransactions.nextFor(transactionId);
        try {
            keepNext(next, coordinator.commit(transactionId, atDecision, receiptsOf(transactionId), next));
            forgetReceipts(transactionId);
        } catch (HttpClientErrorException e) {
            forgetReceipts(transactionId);
            if (e.getStatusCode() == HttpStatus.CONFLICT) {
                ProblemDetail problem = e.getResponseBodyAs(ProblemDetail.class);
                throw new GlobalTransactionAbortedException(transactionId,
                        problem == null || problem.getDetail() == null ? e.getStatusText() : problem.getDetail());
            }
            throw e;
        }
    }

    /** Rolls back; nothing of the transaction is committed anywhere. */
    public void rollback(String transactionId) {
        BeginRequest next = nextTransactions == null ? null : nextTransactions.nextFor(transactionId);
        try {
            keepNext(next, coordinator.rollback(transactionId, receiptsOf(transactionId), next));
        } catch (HttpClientErrorException e) {
            forgetReceipts(transactionId);
            throw e;
        }
        forgetReceipts(transactionId);
    }

    private void keepNext(@Nullable BeginRequest asked, @Nullable TransactionView answer) {
        TransactionView next = answer == null ? null : answer.next();
        if (asked != null && next != null && nextTransactions != null && next.createdAt() != null && next.expiresAt() != null) {
            nextTransactions.keep(asked, next.id(), next.expiresAt(), Duration.between(next.createdAt(), next.expiresAt()));
        }
    }

    private List<String> receiptsOf(String transactionId) {
        return receipts == null ? List.of() : receipts.receipts(transactionId);
    }

    /** After an answer from the coordinator (not after a call that got none: a retry needs the receipts again). */
    private void forgetReceipts(String transactionId) {
        if (receipts != null) {
            receipts.forget(transactionId);
        }
    }

    /**
     * Runs {@code work} in a new global transaction bound to this thread: commits when it returns, rolls
     * back when it throws (and rethrows).
     */
    public <T> T execute(@Nullable String name, Function<GlobalTransaction, T> work) {
        return execute(name, work, answerAtDecision);
    }

    /** As {@link #execute}, committing with {@link #commitAtDecision}. */
    public <T> T executeAtDecision(@Nullable String name, Function<GlobalTransaction, T> work) {
        return execute(name, work, true);
    }

    private <T> T execute(@Nullable String name, Function<GlobalTransaction, T> work, boolean atDecision) {
        GlobalTransaction transaction = begin(name, null);
        T result;
        try (var ignored = TransactionContext.bind(transaction.id())) {
            result = work.apply(transaction);
        } catch (RuntimeException | Error e) {
            try {
                rollback(transaction.id());
            } catch (RuntimeException rollbackFailure) {
                e.addSuppressed(rollbackFailure);
            }
            throw e;
        }
        commit(transaction.id(), atDecision);
        return result;
    }
}
