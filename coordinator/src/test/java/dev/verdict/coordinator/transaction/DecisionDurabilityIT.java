package dev.verdict.coordinator.transaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.TestCredentials;
import dev.verdict.testsupport.Http.Answer;
import dev.verdict.testsupport.JavaProcess;
import dev.verdict.testsupport.PackagedApp;
import dev.verdict.testsupport.Ports;
import dev.verdict.testsupport.ProtocolParticipant;
import dev.verdict.testsupport.ProtocolParticipant.Behaviour;

/**
 * The packaged coordinator runs as a process of its own on the default H2 file log and is killed with SIGKILL
 * right after answering: every commit it answered must still be in the log when it comes back (the log
 * forces commit decisions to disk before acting on them), and nothing it answered aborted may commit.
 */
class DecisionDurabilityIT {

    @TempDir
    Path directory;

    @Test
    void everyCommitTheCoordinatorAnsweredSurvivesKillDashNine() {
        int port = Ports.free();
        String url = "http://localhost:" + port;
        Http api = TestCredentials.asClient(new Http(url));
        Map<String, String> answered = new LinkedHashMap<>();
        try (JavaProcess coordinator = JavaProcess.start(PackagedApp.coordinator(), directory.resolve("coordinator.log"),
                        TestCredentials.with(List.of("--server.port=" + port, "--verdict.coordinator.data-dir=" + directory.toAbsolutePath()),
                                TestCredentials.coordinatorArguments()));
                ProtocolParticipant yes = new ProtocolParticipant("yes", url, "jdbc:h2:file:" + directory.resolve("yes").toAbsolutePath());
                ProtocolParticipant no = new ProtocolParticipant("no", url, "jdbc:h2:file:" + directory.resolve("no").toAbsolutePath())) {
            no.behave(Behaviour.VOTE_NO);

            // Each round ends with a commit answered a moment before the kill, when H2 has not yet written it
            // to its file by itself: only the forced write of the decision can have put it there.
            for (int round = 0; round < 3; round++) {
                coordinator.awaitHttp(url + "/actuator/health/readiness");
                for (int i = 0; i < 12; i++) {
                    String id = api.post("/api/v1/transactions").text("id");
                    yes.doWork(id);
                    if (i % 4 == 1) {
                        no.doWork(id);
                    }
                    Answer outcome = api.post("/api/v1/transactions/" + id + "/commit");
                    answered.put(id, outcome.status() == 200 ? outcome.text("status") : outcome.body().path("transaction").path("status").asString());
                }
                coordinator.kill9();
                coordinator.restart();
            }
            coordinator.awaitHttp(url + "/actuator/health/readiness");

            // A commit answered to the client was forced to disk first: after the kill it is still there, and
            // recovery finishes it. An abort need not be: a forgotten transaction is presumed aborted.
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> answered.forEach((id, state) -> {
                Answer now = api.get("/api/v1/transactions/" + id);
                if (state.equals("COMMITTED")) {
                    assertThat(now.text("status")).as("transaction %s answered COMMITTED before the kill", id).isEqualTo("COMMITTED");
                } else {
                    assertThat(now.status() == 404 || now.text("status").equals("ABORTED"))
                            .as("transaction %s answered ABORTED before the kill is %s", id, now.raw()).isTrue();
                }
            }));
            assertThat(answered.values()).containsOnly("COMMITTED", "ABORTED").contains("COMMITTED", "ABORTED");
            answered.forEach((id, state) -> assertThat(yes.committedRows(id)).isEqualTo(state.equals("COMMITTED") ? 1 : 0));
            assertThat(Databases.preparedTransactions(yes.databaseUrl(), "sa", "")).isEmpty();
        }
    }
}
