package dev.verdict.coordinator;

import java.io.IOException;
import java.nio.file.Files;

import org.springframework.test.context.DynamicPropertyRegistry;

import dev.verdict.testsupport.EmbeddedPostgresServer;
import dev.verdict.testsupport.TestCredentials;

/** Settings shared by the coordinator's Spring Boot tests. */
public final class TestCoordinator {

    private TestCoordinator() {
    }

    /** An H2 log of its own in a fresh temporary folder, and the tests' credentials. */
    public static void freshLogAndCredentials(DynamicPropertyRegistry registry, String name) throws IOException {
        String directory = Files.createTempDirectory(name).toAbsolutePath().toString();
        registry.add("verdict.coordinator.data-dir", () -> directory);
        credentials(registry);
    }

    /** The log on a new database of the embedded PostgreSQL server. */
    public static void postgresLog(DynamicPropertyRegistry registry, String name) {
        String url = EmbeddedPostgresServer.newDatabase(name);
        registry.add("spring.datasource.url", () -> url);
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("spring.datasource.password", () -> "postgres");
    }

    /** The tests' credentials (TestCredentials) as the coordinator's configuration. */
    public static void credentials(DynamicPropertyRegistry registry) {
        TestCredentials.coordinatorProperties().forEach((property, value) -> registry.add(property, () -> value));
    }
}
