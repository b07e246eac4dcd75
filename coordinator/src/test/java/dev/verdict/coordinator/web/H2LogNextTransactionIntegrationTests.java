package dev.verdict.coordinator.web;

import java.io.IOException;
import java.nio.file.Files;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** A transaction begun with the commit or rollback of the one before, on the default log: an H2 file. */
class H2LogNextTransactionIntegrationTests extends NextTransactionContract {

    @DynamicPropertySource
    static void log(DynamicPropertyRegistry registry) throws IOException {
        String directory = Files.createTempDirectory("h2-log").toAbsolutePath().toString();
        registry.add("verdict.coordinator.data-dir", () -> directory);
    }
}
