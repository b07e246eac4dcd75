package dev.verdict.participant.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.client.RestClient;

import dev.verdict.coordinator.CoordinatorApplication;
import dev.verdict.participant.BranchRefusedException;
import dev.verdict.participant.autoconfigure.CoordinatorClient.PendingRegistration;
import dev.verdict.participant.autoconfigure.CoordinatorClient.RegisterRequest;
import dev.verdict.protocol.CallBatches.Outcome;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.TestCredentials;

/**
 * The SDK's call that carries several registrations, against a real coordinator: each registration comes back
 * with the meaning it would have had alone (registered, or refused so that its branch is rolled back), and
 * the log database holds exactly the registrations that were taken.
 */
class RegistrationsSentTogetherIntegrationTests {

    private static ConfigurableApplicationContext coordinator;
    private static Http client;
    private static CoordinatorClient participant;

    @BeforeAll
    static void start() throws Exception {
        List<String> args = new ArrayList<>(List.of("--server.port=0",
                "--verdict.coordinator.data-dir=" + Files.createTempDirectory("batch-log").toAbsolutePath(),
                "--verdict.coordinator.recovery-interval=1h"));
        args.addAll(TestCredentials.coordinatorArguments());
        coordinator = new SpringApplicationBuilder(CoordinatorApplication.class).run(args.toArray(String[]::new));
        String url = "http://localhost:" + coordinator.getEnvironment().getProperty("local.server.port");
        client = TestCredentials.asClient(new Http(url).awaitStatus("/actuator/health/readiness", 200));
        participant = new CoordinatorClient(RestClient.builder(), url, Duration.ofSeconds(10), TestCredentials.PARTICIPANT_TOKEN, 1);
    }

    @AfterAll
    static void stop() {
        coordinator.close();
    }

    @Test
    void eachRegistrationInOneCallGetsTheAnswerItWouldHaveHadAlone() {
        String active = client.post("/api/v1/transactions", Map.of("timeoutSeconds", 30)).text("id");
        String rolledBack = client.post("/api/v1/transactions", Map.of("timeoutSeconds", 30)).text("id");
        client.post("/api/v1/transactions/" + rolledBack + "/rollback");
        String first = UUID.randomUUID().toString();
        String second = UUID.randomUUID().toString();

        List<Outcome<String>> outcomes = participant.registerTogether(List.of(
                prepared(active, "gamma", first),
                prepared(rolledBack, "gamma", UUID.randomUUID().toString()),
                prepared(active, "delta", second),
                prepared("node1-never-begun", "gamma", UUID.randomUUID().toString())));

        assertThat(outcomes).hasSize(4);
        assertThat(outcomes.get(0)).isEqualTo(Outcome.answered(first));
        assertThat(outcomes.get(1).failure()).isInstanceOf(BranchRefusedException.class)
                .hasMessageContaining("ABORTED");
        assertThat(outcomes.get(2)).isEqualTo(Outcome.answered(second));
        assertThat(outcomes.get(3).failure()).as("an unknown transaction: 404, refused").isInstanceOf(BranchRefusedException.class);
        assertThat(branchesInLog(active)).containsExactlyInAnyOrder(first + " PREPARED", second + " PREPARED");
        assertThat(branchesInLog(rolledBack)).isEmpty();

        List<Outcome<String>> again = participant.registerTogether(List.of(prepared(active, "gamma", first)));
        assertThat(again).as("repeated, the same branch").containsExactly(Outcome.answered(first));
        assertThat(branchesInLog(active)).hasSize(2);
    }

    /** The branches of a transaction in the coordinator's log database: id and state. */
    private static List<String> branchesInLog(String transactionId) {
        return new JdbcTemplate(coordinator.getBean(DataSource.class)).queryForList(
                "SELECT id || ' ' || state FROM branch WHERE transaction_id = ?", String.class, transactionId);
    }

    private static PendingRegistration prepared(String transactionId, String name, String branchId) {
        return new PendingRegistration(transactionId, new RegisterRequest(name, "http://localhost:9/" + name, branchId, true));
    }
}
