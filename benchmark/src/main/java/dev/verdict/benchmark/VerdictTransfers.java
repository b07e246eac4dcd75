package dev.verdict.benchmark;

import java.util.function.Function;

import org.springframework.web.client.RestClientResponseException;

import dev.verdict.benchmark.Workload.Outcome;
import dev.verdict.participant.autoconfigure.GlobalTransaction;
import dev.verdict.participant.autoconfigure.GlobalTransactionAbortedException;
import dev.verdict.participant.autoconfigure.GlobalTransactions;

/**
 * A transfer as a Verdict global transaction, with the SDK's client API, as a user would write it; with
 * {@code atDecision}, the commit returns once the decision is logged, and phase 2 goes on in the background.
 */
final class VerdictTransfers {

    private final GlobalTransactions transactions;
    private final BankCalls banks;
    private final boolean atDecision;

    VerdictTransfers(GlobalTransactions transactions, BankCalls banks, boolean atDecision) {
        this.transactions = transactions;
        this.banks = banks;
        this.atDecision = atDecision;
    }

    Outcome transfer(boolean fromA, int fromAccount, int toAccount) {
        try {
            Function<GlobalTransaction, Void> work = transaction -> {
                banks.transfer(fromA, fromAccount, toAccount);
                return null;
            };
            if (atDecision) {
                transactions.executeAtDecision("bench", work);
            } else {
                transactions.execute("bench", work);
            }
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
