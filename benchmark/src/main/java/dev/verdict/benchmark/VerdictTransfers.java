package dev.verdict.benchmark;

import org.springframework.web.client.RestClientResponseException;

import dev.verdict.benchmark.Workload.Outcome;
import dev.verdict.participant.autoconfigure.GlobalTransactionAbortedException;
import dev.verdict.participant.autoconfigure.GlobalTransactions;

/** A transfer as a Verdict global transaction, with the SDK's client API, as a user would write it. */
final class VerdictTransfers {

    private final GlobalTransactions transactions;
    private final BankCalls banks;

    VerdictTransfers(GlobalTransactions transactions, BankCalls banks) {
        this.transactions = transactions;
        this.banks = banks;
    }

    Outcome transfer(boolean fromA, int fromAccount, int toAccount) {
        try {
            transactions.execute("bench", transaction -> {
                banks.transfer(fromA, fromAccount, toAccount);
                return null;
            });
            return Outcome.COMMITTED;
        } catch (GlobalTransactionAbortedException e) {
            return Outcome.ABORTED;
        } catch (RestClientResponseException e) {
            if (e.getStatusCode().is4xxClientError() || e.getStatusCode().value() == 500) {
                // a bank refused its part (a lock wait ran out, say), and the transaction was rolled back
                return Outcome.ABORTED;
            }
            throw e;
        }
    }
}
