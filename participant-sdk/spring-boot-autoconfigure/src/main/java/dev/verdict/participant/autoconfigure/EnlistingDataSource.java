package dev.verdict.participant.autoconfigure;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.DelegatingDataSource;

import dev.verdict.participant.Enlistment;

/**
 * Wraps the service's own {@code DataSource}: while the thread serves a request of a global
 * transaction, connections come from that transaction's XA branch; otherwise from the service's pool,
 * exactly as before.
 */
class EnlistingDataSource extends DelegatingDataSource {

    EnlistingDataSource(DataSource pool) {
        super(pool);
    }

    @Override
    public Connection getConnection() throws SQLException {
        Enlistment enlistment = Enlistment.current();
        return enlistment == null ? super.getConnection() : enlistment.connection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        Enlistment enlistment = Enlistment.current();
        return enlistment == null ? super.getConnection(username, password) : enlistment.connection();
    }
}
