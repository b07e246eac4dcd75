package dev.verdict.samples.transfer;

import java.util.List;

import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;

import dev.verdict.participant.autoconfigure.GlobalTransaction;
import dev.verdict.participant.autoconfigure.GlobalTransactionAbortedException;
import dev.verdict.participant.autoconfigure.GlobalTransactions;

/** Transfers between the two banks: a debit in one and a credit in the other, in one global transaction. */
@Component
public class Transfers {

    public enum Bank {
        A, B
    }

    public record Account(long id, String owner, long balance) {
    }

    public record Result(String transactionId, boolean committed, String detail) {
    }

    private final GlobalTransactions transactions;
    private final RestClient bankA;
    private final RestClient bankB;

    Transfers(GlobalTransactions transactions, RestClient.Builder builder, TransferProperties properties) {
        this.transactions = transactions;
        // Built from Boot's builder, so the SDK's interceptor passes the transaction context on.
        this.bankA = builder.clone().baseUrl(properties.bankAUrl()).build();
        this.bankB = builder.clone().baseUrl(properties.bankBUrl()).build();
    }

    /** Moves {@code cents} from an account in one bank to an account in the other; never throws for a refusal. */
    public Result transfer(Bank from, long fromAccount, long toAccount, long cents) {
        String[] id = new String[1];
        try {
            transactions.execute("transfer " + cents + " from " + from + fromAccount, (GlobalTransaction tx) -> {
                id[0] = tx.id();
                client(from).post().uri("/accounts/{id}/debit", fromAccount).body(new Amount(cents))
                        .retrieve().toBodilessEntity();
                client(other(from)).post().uri("/accounts/{id}/credit", toAccount).body(new Amount(cents))
                        .retrieve().toBodilessEntity();
                return null;
            });
            return new Result(id[0], true, "committed");
        } catch (GlobalTransactionAbortedException e) {
            return new Result(e.transactionId(), false, e.getMessage());
        } catch (RestClientResponseException e) {
            return new Result(id[0], false, "rolled back: a bank answered HTTP " + e.getStatusCode().value() + " "
                    + e.getResponseBodyAsString());
        }
    }

    public List<Account> accounts(Bank bank) {
        return List.of(client(bank).get().uri("/accounts").retrieve().body(Account[].class));
    }

    /** The sum of every balance in both banks, which no transfer may change. */
    public long totalBalance() {
        return accounts(Bank.A).stream().mapToLong(Account::balance).sum()
                + accounts(Bank.B).stream().mapToLong(Account::balance).sum();
    }

    private RestClient client(Bank bank) {
        return bank == Bank.A ? bankA : bankB;
    }

    private static Bank other(Bank bank) {
        return bank == Bank.A ? Bank.B : Bank.A;
    }

    record Amount(long cents) {
    }
}
