package dev.verdict.coordinator.web;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.verdict.coordinator.TestCoordinator;

/** The REST API with the log on a real PostgreSQL, chosen by configuration alone. */
class PostgresLogTransactionApiIntegrationTests extends TransactionApiContract {

    @DynamicPropertySource
    static void log(DynamicPropertyRegistry registry) {
        TestCoordinator.postgresLog(registry, "coordinator_log");
    }
}
