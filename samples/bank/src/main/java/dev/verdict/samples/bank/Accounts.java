package dev.verdict.samples.bank;

import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Ordinary JDBC code with no knowledge of global transactions: the Verdict SDK puts it into the
 * transfer's XA branch when the request carries a transaction context.
 */
@Service
class Accounts {

    private final JdbcClient jdbc;

    Accounts(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Transactional
    void debit(long accountId, long amount) {
        requirePositive(amount);
        int updated = jdbc.sql("UPDATE account SET balance = balance - :amount WHERE id = :id AND balance >= :amount")
                .param("amount", amount).param("id", accountId).update();
        if (updated == 0) {
            Account account = find(accountId);
            throw new InsufficientFundsException("account " + accountId + " holds " + account.balance()
                    + " and cannot be debited " + amount);
        }
    }

    @Transactional
    void credit(long accountId, long amount) {
        requirePositive(amount);
        if (jdbc.sql("UPDATE account SET balance = balance + :amount WHERE id = :id")
                .param("amount", amount).param("id", accountId).update() == 0) {
            throw new AccountNotFoundException(accountId);
        }
    }

    List<Account> all() {
        return jdbc.sql("SELECT id, owner, balance FROM account ORDER BY id").query(Account.class).list();
    }

    Account find(long accountId) {
        return jdbc.sql("SELECT id, owner, balance FROM account WHERE id = :id").param("id", accountId)
                .query(Account.class).optional().orElseThrow(() -> new AccountNotFoundException(accountId));
    }

    private static void requirePositive(long amount) {
        if (amount <= 0) {
            throw new IllegalArgumentException("amount must be a positive number of cents, was " + amount);
        }
    }

    record Account(long id, String owner, long balance) {
    }

    static class InsufficientFundsException extends RuntimeException {
        InsufficientFundsException(String message) {
            super(message);
        }
    }

    static class AccountNotFoundException extends RuntimeException {
        AccountNotFoundException(long id) {
            super("no account " + id + " in this bank");
        }
    }
}
