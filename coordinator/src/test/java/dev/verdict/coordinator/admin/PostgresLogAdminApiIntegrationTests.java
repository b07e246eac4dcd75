package dev.verdict.coordinator.admin;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.verdict.coordinator.TestCoordinator;

/** The admin API, its actions and their audit trail, with the log on a real PostgreSQL. */
class PostgresLogAdminApiIntegrationTests extends AdminApiContract {

    @DynamicPropertySource
    static void postgresLog(DynamicPropertyRegistry registry) {
        TestCoordinator.postgresLog(registry, "admin_log");
    }
}
