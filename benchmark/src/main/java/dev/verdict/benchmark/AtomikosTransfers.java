package dev.verdict.benchmark;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

import javax.sql.XADataSource;

import jakarta.transaction.RollbackException;

import com.atomikos.icatch.jta.UserTransactionManager;
import com.atomikos.jdbc.AtomikosDataSourceBean;

import dev.verdict.benchmark.Workload.Outcome;

/**
 * The in-process alternative a team would weigh against Verdict: the same debit and credit on the same two
 * bank databases, from one JVM, in one JTA transaction that Atomikos commits with two-phase commit over two
 * XA data sources. No HTTP and no services in between.
 */
final class AtomikosTransfers implements AutoCloseable {

    private final UserTransactionManager transactions = new UserTransactionManager();
    private final AtomikosDataSourceBean bankA;
    private final AtomikosDataSourceBean bankB;

    AtomikosTransfers(Services services, int connections, String logDirectory) throws Exception {
        System.setProperty("com.atomikos.icatch.log_base_dir", logDirectory);
        System.setProperty("com.atomikos.icatch.output_dir", logDirectory);
        System.setProperty("com.atomikos.icatch.max_actives", "-1");
        System.setProperty("com.atomikos.icatch.registered", "true");
        transactions.setForceShutdown(true);
        transactions.init();
        bankA = dataSource("bank-a", xa(services, "a"), connections);
        bankB = dataSource("bank-b", xa(services, "b"), connections);
    }

    private static XADataSource xa(Services services, String bank) {
        String url = services.bankDatabase(bank);
        if (url.startsWith("jdbc:postgresql:")) {
            var dataSource = new org.postgresql.xa.PGXADataSource();
            dataSource.setUrl(url);
            dataSource.setUser(services.user(bank));
            dataSource.setPassword(services.password(bank));
            // Bounded row-lock waits, as the Verdict SDK sets them, so that a deadlock across the two
            // databases ends in a rollback instead of a hang.
            dataSource.setOptions("-c lock_timeout=5000");
            return dataSource;
        }
        var dataSource = new org.h2.jdbcx.JdbcDataSource();
        dataSource.setURL(url);
        dataSource.setUser(services.user(bank));
        dataSource.setPassword(services.password(bank));
        return dataSource;
    }

    private static AtomikosDataSourceBean dataSource(String name, XADataSource xa, int connections) {
        AtomikosDataSourceBean dataSource = new AtomikosDataSourceBean();
        dataSource.setUniqueResourceName(name);
        dataSource.setXaDataSource(xa);
        dataSource.setMinPoolSize(1);
        dataSource.setMaxPoolSize(connections);
        dataSource.setBorrowConnectionTimeout(60);
        return dataSource;
    }

    Outcome transfer(boolean fromA, int fromAccount, int toAccount) throws Exception {
        transactions.begin();
        try {
            update(fromA ? bankA : bankB, "UPDATE account SET balance = balance - 1 WHERE id = ? AND balance >= 1", fromAccount);
            update(fromA ? bankB : bankA, "UPDATE account SET balance = balance + 1 WHERE id = ?", toAccount);
        } catch (SQLException | RuntimeException e) {
            transactions.rollback();
            return Outcome.ABORTED;
        }
        try {
            transactions.commit();
            return Outcome.COMMITTED;
        } catch (RollbackException e) {
            return Outcome.ABORTED;
        }
    }

    private static void update(AtomikosDataSourceBean bank, String sql, int account) throws SQLException {
        try (Connection connection = bank.getConnection(); PreparedStatement update = connection.prepareStatement(sql)) {
            update.setInt(1, account);
            if (update.executeUpdate() != 1) {
                throw new SQLException("account " + account + " refused the update");
            }
        }
    }

    @Override
    public void close() {
        bankA.close();
        bankB.close();
        transactions.close();
    }
}
