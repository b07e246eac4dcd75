package dev.verdict.participant.autoconfigure;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.XAConnection;
import javax.sql.XADataSource;

import org.jspecify.annotations.Nullable;

/** Makes the XA data source that matches the service's JDBC URL, and checks that the database can keep branches. */
final class XaDataSources {

    private XaDataSources() {
    }

    static XADataSource forUrl(String url, @Nullable String username, @Nullable String password) {
        if (url.startsWith("jdbc:postgresql:")) {
            return Postgres.create(url, username, password);
        }
        if (url.startsWith("jdbc:h2:")) {
            return H2.create(url, username, password);
        }
        throw new IllegalStateException("Verdict can derive an XA data source only for PostgreSQL and H2 URLs, not for "
                + url + ". Declare a javax.sql.XADataSource bean for this database.");
    }

    /**
     * Fails with the fix spelled out when the database cannot hold prepared transactions, or is H2 and the service
     * has not said that it accepts H2's crash risk ({@code verdict.participant.allow-h2}).
     */
    static void checkFitForBranches(XADataSource dataSource, boolean allowH2) throws SQLException {
        XAConnection xa = dataSource.getXAConnection();
        try (Connection connection = xa.getConnection()) {
            String product = connection.getMetaData().getDatabaseProductName();
            if ("H2".equals(product) && !allowH2) {
                throw new IllegalStateException("The service's database, " + connection.getMetaData().getURL() + ", is H2,"
                        + " which is not safe for a participant that can crash: after a kill -9 while transactions were"
                        + " rolling back, H2 (2.3.232 and 2.4.240) can undo committed updates when it opens the file again,"
                        + " so a committed branch loses part of its work (see src-docs/sdk.md, \"H2 participants\"). Use"
                        + " PostgreSQL, or set verdict.participant.allow-h2=true for a demo or a test.");
            }
            if (!"PostgreSQL".equals(product)) {
                return;
            }
            try (Statement statement = connection.createStatement();
                    ResultSet result = statement.executeQuery("SHOW max_prepared_transactions")) {
                result.next();
                if (result.getInt(1) == 0) {
                    throw new IllegalStateException("PostgreSQL at " + connection.getMetaData().getURL()
                            + " has max_prepared_transactions = 0, so it cannot prepare the XA branches of global"
                            + " transactions. Set max_prepared_transactions to at least max_connections (in"
                            + " postgresql.conf, or with -c max_prepared_transactions=100) and restart PostgreSQL.");
                }
            }
        } finally {
            xa.close();
        }
    }

    private static final class Postgres {
        static XADataSource create(String url, @Nullable String username, @Nullable String password) {
            var dataSource = new org.postgresql.xa.PGXADataSource();
            dataSource.setUrl(url);
            dataSource.setUser(username);
            dataSource.setPassword(password);
            return dataSource;
        }
    }

    private static final class H2 {
        static XADataSource create(String url, @Nullable String username, @Nullable String password) {
            var dataSource = new org.h2.jdbcx.JdbcDataSource();
            dataSource.setURL(url);
            dataSource.setUser(username == null ? "" : username);
            dataSource.setPassword(password == null ? "" : password);
            return dataSource;
        }
    }
}
