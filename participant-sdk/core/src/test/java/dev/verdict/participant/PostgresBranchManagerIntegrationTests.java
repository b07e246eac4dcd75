package dev.verdict.participant;

import javax.sql.XADataSource;

import org.postgresql.xa.PGXADataSource;

import dev.verdict.testsupport.EmbeddedPostgresServer;

class PostgresBranchManagerIntegrationTests extends BranchManagerContract {

    @Override
    String newDatabase() {
        return EmbeddedPostgresServer.newDatabase("branches");
    }

    @Override
    XADataSource xaDataSource(String url) {
        PGXADataSource dataSource = new PGXADataSource();
        dataSource.setUrl(url);
        dataSource.setUser("postgres");
        dataSource.setPassword("postgres");
        return dataSource;
    }

    @Override
    String sessionQuery() {
        return "SELECT pid || '@' || backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()";
    }

    @Override
    String killSessionStatement() {
        return "SELECT pg_terminate_backend(?)";
    }
}
