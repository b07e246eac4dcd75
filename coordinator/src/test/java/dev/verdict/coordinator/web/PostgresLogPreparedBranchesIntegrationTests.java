package dev.verdict.coordinator.web;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.verdict.coordinator.TestCoordinator;

/** Branches registered prepared, with the log on a real PostgreSQL. */
class PostgresLogPreparedBranchesIntegrationTests extends PreparedBranchesContract {

    @DynamicPropertySource
    static void log(DynamicPropertyRegistry registry) {
        TestCoordinator.postgresLog(registry, "coordinator_log_prepared");
    }
}
