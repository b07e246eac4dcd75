package dev.verdict.coordinator.web;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.verdict.coordinator.TestCoordinator;

/** A transaction begun with the commit or rollback of the one before, with the log on a real PostgreSQL. */
class PostgresLogNextTransactionIntegrationTests extends NextTransactionContract {

    @DynamicPropertySource
    static void log(DynamicPropertyRegistry registry) {
        TestCoordinator.postgresLog(registry, "coordinator_log_next");
    }
}
