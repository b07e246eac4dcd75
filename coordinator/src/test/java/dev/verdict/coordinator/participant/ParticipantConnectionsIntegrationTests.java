package dev.verdict.coordinator.participant;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.verdict.coordinator.TestCoordinator;
import dev.verdict.coordinator.log.TransactionLog;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.PlainHttpParticipant;
import dev.verdict.testsupport.TestCredentials;

/**
 * Participants whose servers close a kept-alive connection after a few requests, saying so with
 * {@code Connection: close} (Tomcat does after 100): the coordinator opens a new connection for the next call
 * instead of failing it, so no transaction aborts for it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ParticipantConnectionsIntegrationTests {

    @DynamicPropertySource
    static void freshLogAndCredentials(DynamicPropertyRegistry registry) throws Exception {
        TestCoordinator.freshLogAndCredentials(registry, "connections-log");
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource log;

    @Autowired
    TransactionLog transactionLog;

    @Test
    void aServerThatClosesItsConnectionsNowAndThenCostsNoTransaction() {
        Http anonymous = new Http("http://localhost:" + port).awaitStatus("/actuator/health/readiness", 200);
        Http client = TestCredentials.asClient(anonymous);
        Http participant = TestCredentials.asParticipant(anonymous);
        try (PlainHttpParticipant first = new PlainHttpParticipant(false, 3); PlainHttpParticipant second = new PlainHttpParticipant(false, 2)) {
            for (int i = 0; i < 20; i++) {
                String id = client.post("/api/v1/transactions", Map.of()).text("id");
                participant.post("/api/v1/transactions/" + id + "/participants", Map.of("name", "first", "url", first.url()));
                participant.post("/api/v1/transactions/" + id + "/participants", Map.of("name", "second", "url", second.url()));

                Http.Answer committed = client.post("/api/v1/transactions/" + id + "/commit");

                assertThat(committed.status()).as("transaction %d: %s", i, committed.raw()).isEqualTo(200);
                assertThat(committed.text("status")).isEqualTo("COMMITTED");
                transactionLog.phaseTwo().settle(id);
                assertThat(new JdbcTemplate(log).queryForList("SELECT state FROM branch WHERE transaction_id = ?", String.class, id))
                        .containsExactly("COMMITTED", "COMMITTED");
                assertThat(new JdbcTemplate(log).queryForObject("SELECT state FROM global_transaction WHERE id = ?", String.class, id))
                        .isEqualTo("COMMITTED");
            }
            assertThat(first.calls()).isEqualTo(40);
            assertThat(second.calls()).isEqualTo(40);
        }
    }
}
