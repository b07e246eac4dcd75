package dev.verdict.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.EmbeddedPostgresServer;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.JavaProcess;
import dev.verdict.testsupport.PackagedApp;
import dev.verdict.testsupport.Ports;
import dev.verdict.testsupport.ProtocolParticipant;
import dev.verdict.testsupport.ProtocolParticipant.Behaviour;
import dev.verdict.testsupport.TestCredentials;

/**
 * Two packaged coordinator processes on one PostgreSQL log, each running recovery every 300 ms. One never
 * takes over a transaction the other is still driving; it takes over one whose driver died, and only once the
 * dead driver's lease has run out.
 */
class TwoCoordinatorsIT {

    @TempDir
    Path directory;

    private final String log = EmbeddedPostgresServer.newDatabase("two_coordinators_log");
    private final List<JavaProcess> processes = new ArrayList<>();
    private final List<ProtocolParticipant> participants = new ArrayList<>();

    @AfterEach
    void stop() {
        participants.forEach(ProtocolParticipant::close);
        processes.forEach(JavaProcess::close);
    }

    @Test
    void aTransactionIsTakenOverOnlyAfterItsDriverDiedAndItsLeaseRanOut() throws Exception {
        int portA = Ports.free();
        int portB = Ports.free();
        JavaProcess a = start("nodea", portA);
        start("nodeb", portB);
        Http clientOfA = TestCredentials.asClient(new Http("http://localhost:" + portA));
        Http clientOfB = TestCredentials.asClient(new Http("http://localhost:" + portB));

        // Driven to its end by A, while B's recovery passes run: A's own outcome, no takeover
        ProtocolParticipant fast = participant("fast", portA, Behaviour.VOTE_YES);
        ProtocolParticipant slow = participant("slow", portA, Behaviour.HANG_IN_PREPARE);
        String driven = clientOfA.post("/api/v1/transactions").text("id");
        fast.doWork(driven);
        slow.doWork(driven);
        Http.Answer outcome = clientOfA.post("/api/v1/transactions/" + driven + "/commit");
        assertThat(outcome.status()).as(outcome.raw()).isEqualTo(409);
        assertThat(outcome.text("detail")).contains("participant 'slow'").doesNotContain("lost the prepare phase");
        assertThat(ownerOf(driven)).startsWith("nodea/");

        // A dies while it waits for a vote: B takes the transaction over once A's lease has run out
        ProtocolParticipant hanging = participant("hanging", portA, Behaviour.HANG_IN_PREPARE);
        String orphaned = clientOfA.post("/api/v1/transactions").text("id");
        fast.doWork(orphaned);
        hanging.doWork(orphaned);
        CompletableFuture.runAsync(() -> clientOfA.post("/api/v1/transactions/" + orphaned + "/commit"));
        await().atMost(Duration.ofSeconds(10)).until(() -> "PREPARING".equals(stateOf(orphaned)));
        Instant leaseOfA = leaseUntil(orphaned);
        a.kill9();

        await().atMost(Duration.ofSeconds(60)).until(() -> "ABORTED".equals(stateOf(orphaned)));
        assertThat(clientOfB.get("/api/v1/transactions/" + orphaned).text("outcomeReason")).contains("lost the prepare phase");
        assertThat(ownerOf(orphaned)).startsWith("nodeb/");
        assertThat(abortedAt(orphaned)).as("B aborted it no earlier than A's lease ran out").isAfterOrEqualTo(leaseOfA);
        assertThat(fast.committedRows(orphaned)).isZero();
        assertThat(Databases.preparedTransactions(fast.databaseUrl(), "sa", "")).isEmpty();
    }

    private JavaProcess start(String node, int port) {
        List<String> arguments = new ArrayList<>(ProcessArguments.coordinator(port, directory.resolve(node), null));
        arguments.addAll(List.of("--verdict.coordinator.node-id=" + node, "--spring.datasource.url=" + log,
                "--spring.datasource.username=postgres", "--spring.datasource.password=postgres"));
        JavaProcess process = JavaProcess.start(PackagedApp.coordinator(), Path.of("target", "two-coordinators", node + ".log"),
                ProcessArguments.TEST_JVM, arguments);
        processes.add(process);
        return process.awaitHttp("http://localhost:" + port + "/actuator/health/readiness");
    }

    private ProtocolParticipant participant(String name, int coordinatorPort, Behaviour behaviour) {
        ProtocolParticipant participant = new ProtocolParticipant(name, "http://localhost:" + coordinatorPort,
                "jdbc:h2:file:" + directory.resolve(name).toAbsolutePath()).behave(behaviour);
        participants.add(participant);
        return participant;
    }

    private String stateOf(String id) {
        return Databases.strings(log, "postgres", "postgres", "SELECT state FROM global_transaction WHERE id = '" + id + "'")
                .stream().findFirst().orElse("");
    }

    private String ownerOf(String id) {
        return Databases.strings(log, "postgres", "postgres", "SELECT owner FROM global_transaction WHERE id = '" + id + "'")
                .getFirst();
    }

    private Instant leaseUntil(String id) {
        return instant("SELECT lease_until FROM global_transaction WHERE id = '" + id + "'");
    }

    private Instant abortedAt(String id) {
        return instant("SELECT MIN(occurred_at) FROM transaction_event WHERE transaction_id = '" + id
                + "' AND to_state = 'ABORTING'");
    }

    private Instant instant(String query) {
        try (var connection = Databases.open(log, "postgres", "postgres"); var statement = connection.createStatement();
                var result = statement.executeQuery(query)) {
            result.next();
            Timestamp timestamp = result.getTimestamp(1);
            return timestamp.toInstant();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(query, e);
        }
    }
}
