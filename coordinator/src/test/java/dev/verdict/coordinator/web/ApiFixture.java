package dev.verdict.coordinator.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.verdict.coordinator.TestCoordinator;
import dev.verdict.coordinator.log.TransactionLog;
import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.Http.Answer;
import dev.verdict.testsupport.ProtocolParticipant;
import dev.verdict.testsupport.TestCredentials;

/**
 * A coordinator on a random port, with two participants written from the protocol document alone (no SDK),
 * each with an H2 database of its own, which must hold no prepared transaction after any test.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "verdict.coordinator.prepare-timeout=1s",
        "verdict.coordinator.connect-timeout=1s",
        "verdict.coordinator.lease=5s",
        "verdict.coordinator.recovery-interval=200ms",
        "resilience4j.retry.instances.phase2.wait-duration=10ms"})
abstract class ApiFixture {

    @DynamicPropertySource
    static void credentials(DynamicPropertyRegistry registry) {
        TestCoordinator.credentials(registry);
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource log;

    @Autowired
    TransactionLog transactionLog;

    /** The client that begins and finishes transactions; {@link #participantApi} registers branches. */
    Http api;
    Http participantApi;
    ProtocolParticipant alpha;
    ProtocolParticipant beta;
    final List<ProtocolParticipant> participants = new ArrayList<>();

    @BeforeEach
    void startParticipants() throws Exception {
        Http anonymous = new Http("http://localhost:" + port).awaitStatus("/actuator/health/readiness", 200);
        api = TestCredentials.asClient(anonymous);
        participantApi = TestCredentials.asParticipant(anonymous);
        Path databases = Files.createTempDirectory("participants");
        alpha = participant("alpha", databases);
        beta = participant("beta", databases);
    }

    private ProtocolParticipant participant(String name, Path directory) {
        ProtocolParticipant participant = new ProtocolParticipant(name, "http://localhost:" + port,
                "jdbc:h2:file:" + directory.resolve(name).toAbsolutePath());
        participants.add(participant);
        return participant;
    }

    @AfterEach
    void noParticipantDatabaseHoldsAPreparedTransaction() {
        for (ProtocolParticipant participant : participants) {
            assertThat(Databases.preparedTransactions(participant.databaseUrl(), "sa", "")).isEmpty();
            participant.close();
        }
        participants.clear();
    }

    static void assertProblem(Answer answer, int status, String type) {
        assertThat(answer.status()).as(answer.raw()).isEqualTo(status);
        assertThat(answer.contentType()).isEqualTo("application/problem+json");
        assertThat(answer.text("type")).isEqualTo("urn:verdict:problem:" + type);
        assertThat(answer.text("detail")).isNotBlank();
    }

    String begin() {
        Answer begun = api.post("/api/v1/transactions", Map.of("timeoutSeconds", 30));
        assertThat(begun.status()).isEqualTo(201);
        return begun.text("id");
    }

    /** The transaction's state in the log database, once the end of phase 2 queued with its answer is written. */
    String logState(String id) {
        transactionLog.phaseTwo().settle(id);
        return new JdbcTemplate(log).queryForObject("SELECT state FROM global_transaction WHERE id = ?", String.class, id);
    }

    List<String> branchStates(String id) {
        transactionLog.phaseTwo().settle(id);
        return new JdbcTemplate(log).queryForList("SELECT state FROM branch WHERE transaction_id = ? ORDER BY registered_at",
                String.class, id);
    }

    /** The transaction's history rows, in order, each as "from -> to: detail" (a branch's with its branch id first). */
    List<String> history(String id) {
        transactionLog.phaseTwo().settle(id);
        return new JdbcTemplate(log).query("SELECT * FROM transaction_event WHERE transaction_id = ? ORDER BY id",
                (rs, row) -> (rs.getString("branch_id") == null ? "" : rs.getString("branch_id") + " ")
                        + rs.getString("from_state") + " -> " + rs.getString("to_state") + ": " + rs.getString("detail"), id);
    }

    long transactionsInLog() {
        return new JdbcTemplate(log).queryForObject("SELECT COUNT(*) FROM global_transaction", Long.class);
    }
}
