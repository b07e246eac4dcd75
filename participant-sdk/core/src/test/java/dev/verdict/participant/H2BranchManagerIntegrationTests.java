package dev.verdict.participant;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

import javax.sql.XADataSource;

import org.h2.jdbcx.JdbcDataSource;

class H2BranchManagerIntegrationTests extends BranchManagerContract {

    @Override
    String newDatabase() {
        try {
            return "jdbc:h2:file:" + Files.createTempDirectory("branches").resolve("participant").toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    XADataSource xaDataSource(String url) {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL(url);
        dataSource.setUser("sa");
        dataSource.setPassword("");
        return dataSource;
    }

    @Override
    String sessionQuery() {
        return "SELECT SESSION_ID() || '@' || SESSION_START FROM INFORMATION_SCHEMA.SESSIONS WHERE SESSION_ID = SESSION_ID()";
    }

    @Override
    String killSessionStatement() {
        return "CALL ABORT_SESSION(?)";
    }
}
