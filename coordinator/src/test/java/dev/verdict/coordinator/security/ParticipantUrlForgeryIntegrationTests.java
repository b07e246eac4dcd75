package dev.verdict.coordinator.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.sun.net.httpserver.HttpServer;

import dev.verdict.coordinator.TestCoordinator;
import dev.verdict.coordinator.log.TransactionLog;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.Http.Answer;
import dev.verdict.testsupport.TestCredentials;

/**
 * A participant cannot make the coordinator call an address it may not call: the registration is refused and
 * no connection ever reaches a listener on that address, not even through a redirect from an allowed one.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "verdict.coordinator.prepare-timeout=2s", "verdict.coordinator.recovery-interval=200ms"})
class ParticipantUrlForgeryIntegrationTests {

    @DynamicPropertySource
    static void log(DynamicPropertyRegistry registry) throws Exception {
        TestCoordinator.freshLogAndCredentials(registry, "forgery-log");
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource log;
    @Autowired
    TransactionLog transactionLog;

    Http client;
    Http participant;
    /** An internal service the coordinator must never reach: on 127.0.0.2, which the default allow list leaves out. */
    ServerSocket internal;
    final AtomicInteger connections = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        Http anonymous = new Http("http://localhost:" + port).awaitStatus("/actuator/health/readiness", 200);
        client = TestCredentials.asClient(anonymous);
        participant = TestCredentials.asParticipant(anonymous);
        internal = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.2"));
        internal.setSoTimeout(200);
        Thread.ofVirtual().start(() -> {
            while (!internal.isClosed()) {
                try {
                    internal.accept().close();
                    connections.incrementAndGet();
                } catch (SocketTimeoutException idle) {
                    // keep listening
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    @AfterEach
    void stop() throws IOException {
        internal.close();
    }

    @Test
    void aRegistrationOfADisallowedAddressIsRefusedAndNothingConnectsToIt() {
        String id = client.post("/api/v1/transactions", Map.of()).text("id");
        String target = "http://127.0.0.2:" + internal.getLocalPort() + "/admin";

        Answer refused = participant.post("/api/v1/transactions/" + id + "/participants", Map.of("name", "evil", "url", target));
        Answer committed = client.post("/api/v1/transactions/" + id + "/commit");

        assertThat(refused.status()).as(refused.raw()).isEqualTo(403);
        assertThat(refused.text("type")).isEqualTo("urn:verdict:problem:participant-url-not-allowed");
        assertThat(refused.text("detail")).contains("verdict.security.allowed-participant-urls");
        assertThat(committed.text("status")).isEqualTo("COMMITTED");
        assertThat(committed.body().path("branches").size()).isZero();
        assertThat(stateInLog(id)).isEqualTo("COMMITTED");
        assertThat(branchesInLog(id)).isEmpty();
        assertThat(connections).hasValue(0);
        assertListenerWorks();
    }

    @Test
    void aRedirectFromAnAllowedParticipantIsNotFollowed() throws IOException {
        String target = "http://127.0.0.2:" + internal.getLocalPort() + "/admin";
        HttpServer redirecting = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicInteger prepares = new AtomicInteger();
        redirecting.createContext("/", exchange -> {
            prepares.incrementAndGet();
            exchange.getResponseHeaders().set("Location", target);
            exchange.sendResponseHeaders(307, -1);
            exchange.close();
        });
        redirecting.start();
        try {
            String id = client.post("/api/v1/transactions", Map.of()).text("id");
            Answer registered = participant.post("/api/v1/transactions/" + id + "/participants",
                    Map.of("name", "redirector", "url", "http://127.0.0.1:" + redirecting.getAddress().getPort() + "/p"));

            Answer outcome = client.post("/api/v1/transactions/" + id + "/commit");

            assertThat(registered.status()).isEqualTo(201);
            assertThat(outcome.status()).as(outcome.raw()).isEqualTo(409);
            assertThat(outcome.text("detail")).contains("redirector");
            assertThat(prepares.get()).isPositive();
            // only a 2xx acknowledges: the rollback answered with a redirect is not taken as done
            assertThat(stateInLog(id)).isEqualTo("ABORTING");
            assertThat(branchesInLog(id)).containsExactly("REFUSED");
            assertThat(new JdbcTemplate(log).queryForObject("SELECT last_error FROM branch WHERE transaction_id = ?", String.class, id))
                    .contains("307");
            assertThat(connections).hasValue(0);
            assertListenerWorks();
        } finally {
            redirecting.stop(0);
        }
    }

    /** The transaction's state in the log, once the end of phase 2 queued with its answer is written. */
    private String stateInLog(String id) {
        transactionLog.phaseTwo().settle(id);
        return new JdbcTemplate(log).queryForObject("SELECT state FROM global_transaction WHERE id = ?", String.class, id);
    }

    private java.util.List<String> branchesInLog(String id) {
        return new JdbcTemplate(log).queryForList("SELECT state FROM branch WHERE transaction_id = ?", String.class, id);
    }

    /** The listener does count connections: one made by the test itself shows up. */
    private void assertListenerWorks() {
        try (java.net.Socket probe = new java.net.Socket("127.0.0.2", internal.getLocalPort())) {
            org.awaitility.Awaitility.await().untilAsserted(() -> assertThat(connections).hasValue(1));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
