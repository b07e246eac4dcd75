package dev.verdict.coordinator.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.verdict.coordinator.CoordinatorApplication;
import dev.verdict.coordinator.log.TransactionLog;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.Http.Answer;
import dev.verdict.testsupport.ProtocolParticipant;
import dev.verdict.testsupport.TestCredentials;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Requests generated from src-docs/openapi.yaml: every documented operation, with every kind of caller,
 * with path parameters and bodies that are right, wrong or hostile. No request gets a 5xx, every refusal is
 * a problem detail, and a refused request leaves the log as it was.
 */
class ApiFuzzTests {

    private static final String NO_BODY = "<no body>";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final AtomicInteger TRIED = new AtomicInteger();
    private static final Map<Integer, Integer> STATUSES = new TreeMap<>();

    private static ConfigurableApplicationContext coordinator;
    private static ProtocolParticipant alpha;
    private static Http anonymous;
    private static DataSource log;
    private static String transactionId;

    /** One generated request. */
    record Request(OpenApiOperation operation, String credentials, String id, String branchId, String body) {
    }

    @BeforeContainer
    static void start() throws Exception {
        List<String> args = new ArrayList<>(List.of("--server.port=0",
                "--verdict.coordinator.data-dir=" + Files.createTempDirectory("fuzz-log").toAbsolutePath(),
                "--verdict.coordinator.recovery-interval=1h", "--verdict.coordinator.log-prune-interval=1h",
                "--verdict.coordinator.prepare-timeout=1s", "--verdict.coordinator.connect-timeout=500ms"));
        args.addAll(TestCredentials.coordinatorArguments());
        coordinator = new SpringApplicationBuilder(CoordinatorApplication.class).run(args.toArray(String[]::new));
        log = coordinator.getBean(DataSource.class);
        String url = "http://localhost:" + coordinator.getEnvironment().getProperty("local.server.port");
        anonymous = new Http(url).awaitStatus("/actuator/health/readiness", 200);
        alpha = new ProtocolParticipant("alpha", url,
                "jdbc:h2:file:" + Files.createTempDirectory("fuzz-participant").resolve("alpha").toAbsolutePath());
        transactionId = TestCredentials.asClient(anonymous).post("/api/v1/transactions", Map.of()).text("id");
        alpha.doWork(transactionId);
    }

    @AfterContainer
    static void stop() {
        System.out.printf("API fuzz: %d generated requests, answers by status %s%n", TRIED.get(), STATUSES);
        alpha.close();
        coordinator.close();
    }

    @Property(tries = 1500)
    void noRequestGetsA5xxAndARefusedOneChangesNothing(@ForAll("requests") Request request) {
        // an earlier request's commit is answered before the write that logs its end: let that write land first
        coordinator.getBean(TransactionLog.class).phaseTwo().settle(transactionId);
        LogSnapshot before = LogSnapshot.of(log);
        Http caller = request.credentials().isEmpty() ? anonymous : anonymous.withHeader("Authorization", request.credentials());
        String path = request.operation().pathFor(request.id(), request.branchId());

        Answer answer = caller.request(request.operation().method(), path, NO_BODY.equals(request.body()) ? null : request.body());

        TRIED.incrementAndGet();
        synchronized (STATUSES) {
            STATUSES.merge(answer.status(), 1, Integer::sum);
        }
        assertThat(answer.status()).as(request + " answered " + answer.raw()).isLessThan(500);
        if (answer.status() >= 400) {
            assertThat(answer.contentType()).as(request + " answered " + answer.raw()).startsWith("application/problem+json");
            assertThat(LogSnapshot.of(log)).as(request + " was refused but changed the log").isEqualTo(before);
        }
    }

    @Provide
    Arbitrary<Request> requests() {
        Arbitrary<OpenApiOperation> operations = Arbitraries.of(OpenApiOperation.coordinatorOperations());
        // mostly real callers, so that most requests get past authentication and reach the handlers
        Arbitrary<String> credentials = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, Arbitraries.of("Bearer " + TestCredentials.CLIENT_TOKEN,
                        "Bearer " + TestCredentials.PARTICIPANT_TOKEN, "Bearer " + TestCredentials.OPERATOR_TOKEN)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("", "Bearer nonsense", "Basic YWRtaW46YWRtaW4=",
                        "Bearer " + TestCredentials.CLIENT_TOKEN + "x", "Digest x")));
        Arbitrary<String> ids = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, Arbitraries.create(() -> transactionId)),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().withCharRange('a', 'z').numeric().withChars("-_.~").ofMinLength(1)
                        .ofMaxLength(80)),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().ofMinLength(1).ofMaxLength(5000).map(ApiFuzzTests::percentEncoded)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("..", "%2e%2e", "%00", "node1-" + "x".repeat(64), "a%2Fb", "%C0%AF", "%25")));
        Arbitrary<String> bodies = Arbitraries.oneOf(Arbitraries.just(NO_BODY), jsonBodies(),
                Arbitraries.strings().ofMaxLength(300), Arbitraries.of("{", "[]", "null", "\"x\"", "{\"timeoutSeconds\":1e309}"));
        return Combinators.combine(operations, credentials, ids, ids, bodies).as(Request::new);
    }

    /** Objects with the fields the API knows, each with a value of any type, and some fields it does not know. */
    private static Arbitrary<String> jsonBodies() {
        Arbitrary<Object> values = Arbitraries.oneOf(Arbitraries.integers().map(Object.class::cast),
                Arbitraries.longs().map(Object.class::cast), Arbitraries.strings().ofMaxLength(600).map(Object.class::cast),
                Arbitraries.of(true, false).map(Object.class::cast), Arbitraries.just(List.of()).map(Object.class::cast),
                Arbitraries.of("http://169.254.169.254/", "http://example.com/", "ftp://x", "javascript:alert(1)").map(Object.class::cast),
                Arbitraries.create(() -> alpha.url()).map(Object.class::cast));
        Arbitrary<String> keys = Arbitraries.of("timeoutSeconds", "name", "url", "reason", "transactionId", "branchId", "status",
                "client", "registrations", "__proto__");
        return Arbitraries.maps(keys, values).ofMaxSize(5).map(JSON::writeValueAsString);
    }

    private static String percentEncoded(String text) {
        return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }
}
