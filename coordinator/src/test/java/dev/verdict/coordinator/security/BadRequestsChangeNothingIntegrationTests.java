package dev.verdict.coordinator.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.verdict.coordinator.TestCoordinator;
import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.Http.Answer;
import dev.verdict.testsupport.ProtocolParticipant;
import dev.verdict.testsupport.RawHttp;
import dev.verdict.testsupport.TestCredentials;

/**
 * A catalogue of hostile and malformed requests, each answered with the status and problem type it
 * deserves, and none of them changing the log or the participant's database.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "verdict.coordinator.recovery-interval=1h", "verdict.coordinator.log-prune-interval=1h",
        "verdict.security.max-branches=3"})
class BadRequestsChangeNothingIntegrationTests {

    private static final String OTHER_CLIENT_TOKEN = "another-client-token-for-tests-only-0123";
    private static final String OTHER_PARTICIPANT_TOKEN = "another-participant-token-for-tests-only-0123";

    @DynamicPropertySource
    static void log(DynamicPropertyRegistry registry) throws Exception {
        TestCoordinator.freshLogAndCredentials(registry, "bad-requests-log");
        registry.add("verdict.security.tokens.other-client.token", () -> OTHER_CLIENT_TOKEN);
        registry.add("verdict.security.tokens.other-client.roles", () -> "CLIENT");
        registry.add("verdict.security.tokens.other-participant.token", () -> OTHER_PARTICIPANT_TOKEN);
        registry.add("verdict.security.tokens.other-participant.roles", () -> "PARTICIPANT");
    }

    /** One bad request: who sends it, what it is, and the answer it must get. */
    record Case(String what, Function<BadRequestsChangeNothingIntegrationTests, Answer> send, int status, String type) {
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource log;

    Http anonymous;
    Http client;
    Http participant;
    Http operator;
    ProtocolParticipant alpha;
    String id;

    @BeforeEach
    void aTransactionWithTheMostBranchesItMayHave() throws Exception {
        anonymous = new Http("http://localhost:" + port).awaitStatus("/actuator/health/readiness", 200);
        client = TestCredentials.asClient(anonymous);
        participant = TestCredentials.asParticipant(anonymous);
        operator = TestCredentials.asOperator(anonymous);
        alpha = new ProtocolParticipant("alpha", "http://localhost:" + port,
                "jdbc:h2:file:" + Files.createTempDirectory("bad-requests").resolve("alpha").toAbsolutePath());
        id = client.post("/api/v1/transactions", Map.of("name", "target")).text("id");
        alpha.doWork(id);
        for (int i = 2; i <= 3; i++) {
            assertThat(register("p" + i, "http://localhost:" + (40_000 + i) + "/p").status()).isEqualTo(201);
        }
    }

    @AfterEach
    void rollBack() {
        client.post("/api/v1/transactions/" + id + "/rollback");
        alpha.close();
    }

    @Test
    void everyBadRequestGetsItsProblemDetailAndChangesNothing() throws Exception {
        List<Case> catalogue = catalogue();
        LogSnapshot before = LogSnapshot.of(log);
        List<String> preparedBefore = Databases.preparedTransactions(alpha.databaseUrl(), "sa", "");

        for (Case bad : catalogue) {
            Answer answer = bad.send().apply(this);
            assertThat(answer.status()).as(bad.what() + ": " + answer.raw()).isEqualTo(bad.status());
            assertThat(answer.contentType()).as(bad.what()).startsWith("application/problem+json");
            assertThat(answer.text("type")).as(bad.what()).isEqualTo("urn:verdict:problem:" + bad.type());
            assertThat(answer.text("detail")).as(bad.what()).isNotBlank();
        }

        assertThat(LogSnapshot.of(log)).isEqualTo(before);
        assertThat(Databases.preparedTransactions(alpha.databaseUrl(), "sa", "")).isEqualTo(preparedBefore);
        assertThat(alpha.committedRows(id)).isZero();
        assertThat(alpha.commits() + alpha.rollbacks() + alpha.refusedCalls()).isZero();
        System.out.printf("%d bad requests refused, log and participant unchanged%n", catalogue.size());
    }

    private List<Case> catalogue() {
        List<Case> cases = new ArrayList<>();
        // who calls
        cases.add(new Case("another client commits this client's transaction",
                t -> t.as(OTHER_CLIENT_TOKEN).post("/api/v1/transactions/" + t.id + "/commit"), 403, "not-yours"));
        cases.add(new Case("another client rolls it back",
                t -> t.as(OTHER_CLIENT_TOKEN).post("/api/v1/transactions/" + t.id + "/rollback"), 403, "not-yours"));
        cases.add(new Case("another client reads it",
                t -> t.as(OTHER_CLIENT_TOKEN).get("/api/v1/transactions/" + t.id), 403, "not-yours"));
        cases.add(new Case("a participant without a branch in it reads it",
                t -> t.as(OTHER_PARTICIPANT_TOKEN).get("/api/v1/transactions/" + t.id), 403, "not-yours"));
        cases.add(new Case("a participant begins a transaction",
                t -> t.participant.post("/api/v1/transactions", Map.of()), 403, "forbidden"));
        cases.add(new Case("a client registers a branch",
                t -> t.client.post("/api/v1/transactions/" + t.id + "/participants", Map.of("name", "x", "url", "http://localhost:1/x")),
                403, "forbidden"));
        cases.add(new Case("a client uses the admin API",
                t -> t.client.post("/api/v1/admin/transactions/" + t.id + "/abort", Map.of("reason", "mine now")), 403, "forbidden"));
        cases.add(new Case("a client reads a health component", t -> t.client.get("/actuator/health/db"), 403, "forbidden"));
        cases.add(new Case("a client reads metrics", t -> t.client.get("/actuator/metrics"), 403, "forbidden"));
        cases.add(new Case("an empty bearer token",
                t -> t.anonymous.withHeader("Authorization", "Bearer ").post("/api/v1/transactions", Map.of()), 401, "unauthenticated"));
        cases.add(new Case("the old default admin/admin", t -> t.anonymous.withHeader("Authorization", "Basic YWRtaW46YWRtaW4=")
                .get("/api/v1/admin/overview"), 401, "unauthenticated"));
        // where the coordinator would call: server-side request forgery
        for (String url : List.of("http://169.254.169.254/latest/meta-data", "http://metadata.google.internal/computeMetadata/v1",
                "http://[fe80::1]/x", "http://example.com/participant", "http://10.0.0.7:8080/p", "http://[::ffff:169.254.169.254]/x",
                "http://0.0.0.0:8080/p", "http://localhost.example.com/p", "http://user@localhost:1/p")) {
            cases.add(new Case("a participant URL of " + url, t -> t.register("evil", url), 403, "participant-url-not-allowed"));
        }
        cases.add(new Case("a participant URL with another scheme", t -> t.register("evil", "file:///etc/passwd"), 400, "invalid-request"));
        cases.add(new Case("a branch beyond verdict.security.max-branches",
                t -> t.register("one-too-many", "http://localhost:40009/p"), 409, "too-many-branches"));
        cases.add(new Case("a participant name of 101 characters",
                t -> t.register("n".repeat(101), "http://localhost:40010/p"), 400, "invalid-request"));
        cases.add(new Case("a registration that is not an object",
                t -> t.participant.postRaw("/api/v1/transactions/" + t.id + "/participants", "[]"), 400, "invalid-request"));
        // malformed and oversized input
        cases.add(new Case("truncated JSON", t -> t.client.postRaw("/api/v1/transactions", "{\"timeoutSeconds\":"), 400, "invalid-request"));
        cases.add(new Case("a timeout of zero", t -> t.client.post("/api/v1/transactions", Map.of("timeoutSeconds", 0)), 400, "invalid-request"));
        cases.add(new Case("a timeout of 11 days", t -> t.client.post("/api/v1/transactions", Map.of("timeoutSeconds", 999_999)),
                400, "invalid-request"));
        cases.add(new Case("a timeout that is a word", t -> t.client.postRaw("/api/v1/transactions", "{\"timeoutSeconds\":\"soon\"}"),
                400, "invalid-request"));
        cases.add(new Case("a name of 201 characters", t -> t.client.post("/api/v1/transactions", Map.of("name", "n".repeat(201))),
                400, "invalid-request"));
        cases.add(new Case("a 20 MB body with its length", t -> t.bigBody(false), 413, "body-too-large"));
        cases.add(new Case("a 20 MB body sent chunked", t -> t.bigBody(true), 413, "body-too-large"));
        cases.add(new Case("a 10,000-character id", t -> t.client.get("/api/v1/transactions/" + "x".repeat(10_000)), 400, "invalid-request"));
        cases.add(new Case("an id that is not valid percent-encoding", t -> RawHttp.send(t.port, "GET /api/v1/transactions/%zz HTTP/1.1\r\n"
                + "Host: localhost\r\nAuthorization: Bearer " + TestCredentials.CLIENT_TOKEN, 0), 400, "invalid-request"));
        cases.add(new Case("an unknown transaction", t -> t.client.post("/api/v1/transactions/node1-nope/commit"), 404, "transaction-not-found"));
        cases.add(new Case("a method the path does not take", t -> t.client.request("DELETE", "/api/v1/transactions/" + t.id, null),
                405, "invalid-request"));
        // operator actions that do not fit
        cases.add(new Case("an admin action without a reason",
                t -> t.operator.post("/api/v1/admin/transactions/" + t.id + "/abort", Map.of()), 400, "invalid-request"));
        cases.add(new Case("an admin action with a reason of 2,001 characters",
                t -> t.operator.post("/api/v1/admin/transactions/" + t.id + "/abort", Map.of("reason", "r".repeat(2001))),
                400, "invalid-request"));
        cases.add(new Case("a retry of an undecided transaction",
                t -> t.operator.post("/api/v1/admin/transactions/" + t.id + "/retry", Map.of("reason", "why not")), 409, "illegal-state"));
        cases.add(new Case("a page size of zero", t -> t.operator.get("/api/v1/admin/transactions?size=0"), 400, "invalid-request"));
        cases.add(new Case("a page that is a word", t -> t.operator.get("/api/v1/admin/transactions?page=first"), 400, "invalid-request"));
        return cases;
    }

    private Http as(String token) {
        return anonymous.withHeader("Authorization", "Bearer " + token);
    }

    private Answer register(String name, String url) {
        return participant.post("/api/v1/transactions/" + id + "/participants", Map.of("name", name, "url", url));
    }

    /** 20 MB of blanks as JSON, announced by its length, or streamed in chunks of unknown total length. */
    private Answer bigBody(boolean chunked) {
        if (chunked) {
            return RawHttp.send(port, "POST /api/v1/transactions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Authorization: Bearer " + TestCredentials.CLIENT_TOKEN, 320);
        }
        byte[] twentyMegabytes = new byte[20 << 20];
        java.util.Arrays.fill(twentyMegabytes, (byte) ' ');
        return client.post("/api/v1/transactions", HttpRequest.BodyPublishers.ofByteArray(twentyMegabytes));
    }
}
