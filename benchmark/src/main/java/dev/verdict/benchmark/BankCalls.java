package dev.verdict.benchmark;

import org.springframework.web.client.RestClient;

import dev.verdict.benchmark.Workload.Outcome;

/**
 * The two business calls of a transfer, over HTTP: a debit in one bank and a credit in the other. Without
 * a global transaction (the baseline) each bank commits its call on its own; inside one, the SDK's
 * interceptor carries the transaction to both banks.
 */
final class BankCalls {

    private final RestClient bankA;
    private final RestClient bankB;

    BankCalls(RestClient.Builder builder, Services services) {
        this.bankA = builder.clone().baseUrl(services.bankUrl("a")).build();
        this.bankB = builder.clone().baseUrl(services.bankUrl("b")).build();
    }

    /** Debit, then credit; throws if either bank refuses. */
    void transfer(boolean fromA, int fromAccount, int toAccount) {
        (fromA ? bankA : bankB).post().uri("/accounts/{id}/debit", fromAccount).body(new Amount(1))
                .retrieve().toBodilessEntity();
        (fromA ? bankB : bankA).post().uri("/accounts/{id}/credit", toAccount).body(new Amount(1))
                .retrieve().toBodilessEntity();
    }

    /** The baseline: the same calls, each bank committing on its own. Fast, and not atomic. */
    Outcome withoutGlobalTransaction(boolean fromA, int fromAccount, int toAccount) {
        transfer(fromA, fromAccount, toAccount);
        return Outcome.COMMITTED;
    }

    record Amount(long cents) {
    }
}
