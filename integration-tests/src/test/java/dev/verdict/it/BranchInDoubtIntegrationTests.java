package dev.verdict.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.verdict.coordinator.CoordinatorApplication;
import dev.verdict.samples.bank.BankApplication;
import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.EmbeddedPostgresServer;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.Http.Answer;
import dev.verdict.testsupport.Ports;
import dev.verdict.testsupport.TestCredentials;

/**
 * A bank on PostgreSQL that prepares as each request ends, whose coordinator is gone when it registers the
 * prepared branch: the debit answers 503 branch-in-doubt and its money stays where it was, the branch stays
 * prepared while nobody can say what becomes of it, and once the coordinator is back (and has aborted what
 * its earlier run left undecided) the bank's recovery rolls the branch back.
 */
class BranchInDoubtIntegrationTests {

    private static final long OPENING_BALANCE = 100_000L;

    private final int coordinatorPort = Ports.free();
    private final String coordinatorUrl = "http://localhost:" + coordinatorPort;
    private final String database = EmbeddedPostgresServer.newDatabase("in_doubt_bank");
    private ConfigurableApplicationContext coordinator;
    private ConfigurableApplicationContext bank;

    @AfterEach
    void stop() {
        if (bank != null) {
            bank.close();
        }
        if (coordinator != null) {
            coordinator.close();
        }
    }

    @Test
    void aPreparedBranchWhoseRegistrationGotNoAnswerIsKeptUntilTheCoordinatorSaysAbort() throws IOException {
        Path log = Files.createTempDirectory("in-doubt-log");
        coordinator = startCoordinator(log);
        int bankPort = Ports.free();
        bank = new SpringApplicationBuilder(BankApplication.class).run(TestCredentials.with(List.of("--spring.config.name=bank",
                "--spring.profiles.active=a", "--server.port=" + bankPort, "--spring.datasource.url=" + database,
                "--spring.datasource.username=postgres", "--spring.datasource.password=postgres",
                "--verdict.coordinator-url=" + coordinatorUrl, "--verdict.request-timeout=2s",
                "--verdict.participant.prepare-at-request-end=true",
                "--verdict.participant.recovery-interval=500ms", "--verdict.participant.abandoned-branch-check=1s"),
                TestCredentials.participantArguments()).toArray(String[]::new));
        String id = TestCredentials.asClient(new Http(coordinatorUrl)).post("/api/v1/transactions").text("id");
        coordinator.close();

        Answer debit = new Http("http://localhost:" + bankPort).withHeader("Verdict-Transaction", id)
                .post("/accounts/1/debit", Map.of("cents", 500));

        assertThat(debit.status()).as(debit.raw()).isEqualTo(503);
        assertThat(debit.contentType()).isEqualTo("application/problem+json");
        assertThat(debit.text("type")).isEqualTo("urn:verdict:problem:branch-in-doubt");
        assertThat(debit.text("detail")).contains("stays prepared");
        assertThat(prepared()).as("kept prepared: the registration may have reached the log").hasSize(1);
        assertThat(balance()).isEqualTo(OPENING_BALANCE);

        coordinator = startCoordinator(log);

        Http client = TestCredentials.asClient(new Http(coordinatorUrl));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(prepared()).isEmpty();
            assertThat(client.get("/api/v1/transactions/" + id).text("status")).isEqualTo("ABORTED");
        });
        assertThat(balance()).isEqualTo(OPENING_BALANCE);
    }

    private ConfigurableApplicationContext startCoordinator(Path log) {
        ConfigurableApplicationContext started = new SpringApplicationBuilder(CoordinatorApplication.class).run(TestCredentials.with(
                List.of("--server.port=" + coordinatorPort, "--verdict.coordinator.data-dir=" + log.toAbsolutePath()),
                TestCredentials.coordinatorArguments()).toArray(String[]::new));
        new Http(coordinatorUrl).awaitStatus("/actuator/health/readiness", 200);
        return started;
    }

    private List<String> prepared() {
        return Databases.preparedTransactions(database, "postgres", "postgres");
    }

    private long balance() {
        return Databases.queryLong(database, "postgres", "postgres", "SELECT balance FROM account WHERE id = 1");
    }
}
