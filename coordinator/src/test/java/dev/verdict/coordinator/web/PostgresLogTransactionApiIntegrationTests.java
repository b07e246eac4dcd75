package dev.verdict.coordinator.web;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.verdict.testsupport.EmbeddedPostgresServer;

/** The REST API with the log on a real PostgreSQL, chosen by configuration alone. */
class PostgresLogTransactionApiIntegrationTests extends TransactionApiContract {

    @DynamicPropertySource
    static void log(DynamicPropertyRegistry registry) {
        String url = EmbeddedPostgresServer.newDatabase("coordinator_log");
        registry.add("spring.datasource.url", () -> url);
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("spring.datasource.password", () -> "postgres");
    }
}
