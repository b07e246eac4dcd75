package dev.verdict.coordinator.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import dev.verdict.coordinator.TestCoordinator;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.Http.Answer;
import dev.verdict.testsupport.ProtocolParticipant;
import dev.verdict.testsupport.TestCredentials;

/**
 * Every operation that src-docs/openapi.yaml lists, called without credentials, with credentials the
 * coordinator does not know, and as each role it does not allow: 401 or 403 as a problem detail, and
 * the log unchanged. Every API path the coordinator serves must be in the document, so a new endpoint
 * cannot be left out.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        // nothing moves in the log by itself while the test compares snapshots of it
        "verdict.coordinator.recovery-interval=1h", "verdict.coordinator.log-prune-interval=1h"})
class EveryOperationNeedsItsRoleIntegrationTests {

    private static final Map<String, String> TOKENS = Map.of("CLIENT", TestCredentials.CLIENT_TOKEN,
            "PARTICIPANT", TestCredentials.PARTICIPANT_TOKEN, "OPERATOR", TestCredentials.OPERATOR_TOKEN);

    @DynamicPropertySource
    static void log(DynamicPropertyRegistry registry) throws Exception {
        TestCoordinator.freshLogAndCredentials(registry, "auth-log");
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource log;

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    Http anonymous;
    ProtocolParticipant alpha;
    String transactionId;
    String branchId;

    @BeforeEach
    void aTransactionWithABranch() throws Exception {
        anonymous = new Http("http://localhost:" + port).awaitStatus("/actuator/health/readiness", 200);
        alpha = new ProtocolParticipant("alpha", "http://localhost:" + port,
                "jdbc:h2:file:" + Files.createTempDirectory("auth-participant").resolve("alpha").toAbsolutePath());
        transactionId = TestCredentials.asClient(anonymous).post("/api/v1/transactions", Map.of("name", "target")).text("id");
        alpha.doWork(transactionId);
        branchId = TestCredentials.asClient(anonymous).get("/api/v1/transactions/" + transactionId)
                .body().path("branches").get(0).path("branchId").asString();
    }

    @AfterEach
    void rollBack() {
        TestCredentials.asClient(anonymous).post("/api/v1/transactions/" + transactionId + "/rollback");
        alpha.close();
    }

    @Test
    void withoutCredentialsOrWithTheWrongRoleEveryOperationIsRefusedAndNothingChanges() {
        List<OpenApiOperation> operations = OpenApiOperation.coordinatorOperations();
        LogSnapshot before = LogSnapshot.of(log);
        int refusals = 0;

        for (OpenApiOperation operation : operations) {
            if (operation.open()) {
                continue;
            }
            String path = operation.pathFor(transactionId, branchId);
            String body = operation.validBody(alpha.url());

            assertRefused(anonymous.request(operation.method(), path, body), 401, "unauthenticated", operation);
            assertRefused(anonymous.withHeader("Authorization", "Bearer not-a-token-anyone-was-given")
                    .request(operation.method(), path, body), 401, "unauthenticated", operation);
            assertRefused(anonymous.withHeader("Authorization", "Basic b3BlcmF0b3I6YWRtaW4=")
                    .request(operation.method(), path, body), 401, "unauthenticated", operation);
            refusals += 3;
            for (String role : OpenApiOperation.ALL_ROLES) {
                if (!operation.roles().contains(role)) {
                    Answer answer = anonymous.withHeader("Authorization", "Bearer " + TOKENS.get(role))
                            .request(operation.method(), path, body);
                    assertRefused(answer, 403, "forbidden", operation);
                    assertThat(answer.text("detail")).as(operation.toString()).contains(role);
                    refusals++;
                }
            }
        }

        assertThat(LogSnapshot.of(log)).isEqualTo(before);
        assertThat(before.rows()).isPositive();
        assertThat(alpha.refusedCalls()).isZero();
        assertThat(alpha.commits() + alpha.rollbacks()).isZero();
        System.out.printf("%d operations from openapi.yaml, %d refused calls, log unchanged%n", operations.size(), refusals);
    }

    @Test
    void eachAllowedRolePassesTheCheckOfWhoCalls() {
        for (OpenApiOperation operation : OpenApiOperation.coordinatorOperations()) {
            for (String role : operation.roles()) {
                // an unknown transaction: the call gets past authorization and changes nothing
                Answer answer = anonymous.withHeader("Authorization", "Bearer " + TOKENS.get(role))
                        .request(operation.method(), operation.pathFor("node1-no-such-transaction", "no-such-branch"),
                                operation.validBody(alpha.url()));
                assertThat(answer.status()).as(operation + " as " + role + ": " + answer.raw()).isNotIn(401, 403).isLessThan(500);
            }
        }
    }

    @Test
    void everyApiPathTheCoordinatorServesIsInTheDocument() {
        Set<String> documented = new TreeSet<>();
        OpenApiOperation.coordinatorOperations().forEach(operation -> documented.add(operation.method() + " " + operation.path()));
        Set<String> served = new TreeSet<>();
        mappings.getHandlerMethods().forEach((info, handler) -> info.getPatternValues().stream()
                .filter(pattern -> pattern.startsWith("/api/"))
                .forEach(pattern -> info.getMethodsCondition().getMethods()
                        .forEach(method -> served.add(method.name() + " " + pattern.replaceAll("\\{[a-zA-Z]+}", "{x}")))));
        Set<String> documentedShapes = new TreeSet<>();
        documented.forEach(operation -> documentedShapes.add(operation.replaceAll("\\{[a-zA-Z]+}", "{x}")));

        assertThat(served).isNotEmpty();
        assertThat(documentedShapes).containsAll(served);
    }

    private static void assertRefused(Answer answer, int status, String type, OpenApiOperation operation) {
        assertThat(answer.status()).as(operation + ": " + answer.raw()).isEqualTo(status);
        assertThat(answer.contentType()).as(operation.toString()).startsWith("application/problem+json");
        assertThat(answer.text("type")).as(operation.toString()).isEqualTo("urn:verdict:problem:" + type);
        assertThat(answer.text("detail")).as(operation.toString()).isNotBlank();
    }
}
