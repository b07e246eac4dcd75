package dev.verdict.coordinator.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.verdict.coordinator.CoordinatorApplication;
import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.EmbeddedPostgresServer;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.TestCredentials;
import dev.verdict.testsupport.Http.Answer;

/**
 * Start-up recovery gates the transaction API and readiness, and the watchdog turns liveness DOWN when
 * work stops making progress. A test connection holds a row lock in the PostgreSQL log to stall the
 * coordinator at a chosen spot, for real: the coordinator waits on the database as it would on a slow or
 * stuck one.
 */
class StartupGateAndWatchdogIntegrationTests {

    private static final String STALLED_ID = "node1-left-active-by-an-earlier-run";

    private final String logUrl = EmbeddedPostgresServer.newDatabase("gate_log");
    private ConfigurableApplicationContext coordinator;
    private Http api;
    private Http operator;

    @AfterEach
    void stop() {
        if (coordinator != null) {
            coordinator.close();
        }
    }

    @Test
    void untilStartUpRecoveryIsDoneTheApiAnswers503AndReadinessIsOutOfService() throws Exception {
        start().close(); // makes the log's tables
        execute("INSERT INTO global_transaction (id, state, created_at, expires_at, updated_at, owner, lease_until, client)"
                + " VALUES ('" + STALLED_ID + "', 'ACTIVE', now(), now() + interval '1 hour', now(), 'node1/earlier', now(), '"
                + TestCredentials.CLIENT + "')");

        try (Connection lockHolder = lockRowOf(STALLED_ID)) {
            start();

            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(operator.get("/actuator/health/liveness").raw()).contains("start-up recovery has run for"));
            Answer tooEarly = api.post("/api/v1/transactions");
            assertThat(tooEarly.status()).isEqualTo(503);
            assertThat(tooEarly.contentType()).isEqualTo("application/problem+json");
            assertThat(tooEarly.text("type")).isEqualTo("urn:verdict:problem:starting");
            assertThat(tooEarly.text("detail")).contains("start-up recovery");
            assertThat(tooEarly.headers().get("retry-after")).containsExactly("1");
            Answer readiness = operator.get("/actuator/health/readiness");
            assertThat(readiness.status()).isEqualTo(503);
            assertThat(readiness.body().path("components").path("startupRecovery").path("status").asString()).isEqualTo("OUT_OF_SERVICE");
            Answer liveness = operator.get("/actuator/health/liveness");
            assertThat(liveness.status()).isEqualTo(503);
            assertThat(liveness.body().path("components").path("watchdog").path("status").asString()).isEqualTo("DOWN");
            assertThat(api.get("/api/v1/coordinator").status()).isEqualTo(200);
            assertThat(count("SELECT COUNT(*) FROM global_transaction")).isEqualTo(1);

            lockHolder.rollback();
        }

        await().untilAsserted(() -> assertThat(operator.get("/actuator/health/readiness").status()).isEqualTo(200));
        assertThat(operator.get("/actuator/health/liveness").status()).isEqualTo(200);
        assertThat(api.get("/api/v1/transactions/" + STALLED_ID).text("outcomeReason")).contains("presumed abort");
        await().until(() -> api.get("/api/v1/transactions/" + STALLED_ID).text("status").equals("ABORTED"));
        assertThat(api.post("/api/v1/transactions").status()).isEqualTo(201);
    }

    @Test
    void aRequestThatNeverEndsTurnsLivenessDownUntilItEnds() throws Exception {
        start();
        await().until(() -> operator.get("/actuator/health/readiness").status() == 200);
        String id = api.post("/api/v1/transactions").text("id");

        CompletableFuture<Answer> commit;
        try (Connection lockHolder = lockRowOf(id)) {
            commit = CompletableFuture.supplyAsync(() -> api.post("/api/v1/transactions/" + id + "/commit"));

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Answer liveness = operator.get("/actuator/health/liveness");
                assertThat(liveness.status()).isEqualTo(503);
                assertThat(liveness.raw()).contains("request POST /api/v1/transactions/" + id + "/commit has run for");
            });
            assertThat(commit).isNotDone();

            lockHolder.rollback();
        }

        assertThat(commit.get().status()).isEqualTo(200);
        assertThat(commit.get().text("status")).isEqualTo("COMMITTED");
        assertThat(operator.get("/actuator/health/liveness").status()).isEqualTo(200);
    }

    /** A coordinator whose watchdog gives up after 7 s, the shortest its own timeouts allow. */
    private ConfigurableApplicationContext start() {
        coordinator = new SpringApplicationBuilder(CoordinatorApplication.class).run(TestCredentials.with(List.of("--server.port=0",
                "--spring.datasource.url=" + logUrl, "--spring.datasource.username=postgres",
                "--spring.datasource.password=postgres",
                "--verdict.coordinator.prepare-timeout=1s", "--verdict.coordinator.phase2-timeout=1s",
                "--verdict.coordinator.connect-timeout=500ms", "--verdict.coordinator.lease=5s",
                "--verdict.coordinator.watchdog-timeout=7s", "--verdict.coordinator.recovery-interval=200ms"),
                TestCredentials.coordinatorArguments()).toArray(String[]::new));
        Http anonymous = new Http("http://localhost:" + coordinator.getEnvironment().getProperty("local.server.port"));
        api = TestCredentials.asClient(anonymous);
        operator = TestCredentials.asOperator(anonymous);
        return coordinator;
    }

    /** A connection in an open transaction holding the row lock of one transaction in the log. */
    private Connection lockRowOf(String id) throws SQLException {
        Connection connection = Databases.open(logUrl, "postgres", "postgres");
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.executeQuery("SELECT id FROM global_transaction WHERE id = '" + id + "' FOR UPDATE").close();
        }
        return connection;
    }

    private void execute(String sql) throws SQLException {
        try (Connection connection = Databases.open(logUrl, "postgres", "postgres");
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private long count(String query) {
        return Databases.queryLong(logUrl, "postgres", "postgres", query);
    }
}
