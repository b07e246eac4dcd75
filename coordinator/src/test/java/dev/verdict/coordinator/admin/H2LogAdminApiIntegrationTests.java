package dev.verdict.coordinator.admin;

/** The admin API with the default log, an H2 file. */
class H2LogAdminApiIntegrationTests extends AdminApiContract {
}
