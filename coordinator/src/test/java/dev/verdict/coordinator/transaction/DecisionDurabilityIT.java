package dev.verdict.coordinator.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.Http.Answer;
import dev.verdict.testsupport.JavaProcess;
import dev.verdict.testsupport.PackagedApp;
import dev.verdict.testsupport.Ports;
import dev.verdict.testsupport.ProtocolParticipant;
import dev.verdict.testsupport.ProtocolParticipant.Behaviour;

/**
 * The packaged coordinator runs as a process of its own on the default H2 file log and is killed with SIGKILL
 * right after answering: every outcome it answered must still be in the log when it comes back.
 */
class DecisionDurabilityIT {

    @TempDir
    Path directory;

    @Test
    void everyOutcomeTheCoordinatorAnsweredSurvivesKillDashNine() {
        int port = Ports.free();
        String url = "http://localhost:" + port;
        Http api = new Http(url);
        Map<String, String> answered = new LinkedHashMap<>();
        try (JavaProcess coordinator = JavaProcess.start(PackagedApp.coordinator(), directory.resolve("coordinator.log"),
                        List.of("--server.port=" + port, "--verdict.coordinator.data-dir=" + directory.toAbsolutePath()));
                ProtocolParticipant yes = new ProtocolParticipant("yes", url, "jdbc:h2:file:" + directory.resolve("yes").toAbsolutePath());
                ProtocolParticipant no = new ProtocolParticipant("no", url, "jdbc:h2:file:" + directory.resolve("no").toAbsolutePath())) {
            coordinator.awaitHttp(url + "/actuator/health/readiness");
            no.behave(Behaviour.VOTE_NO);

            for (int i = 0; i < 40; i++) {
                String id = api.post("/api/v1/transactions").text("id");
                yes.doWork(id);
                if (i % 4 == 3) {
                    no.doWork(id);
                }
                Answer outcome = api.post("/api/v1/transactions/" + id + "/commit");
                answered.put(id, outcome.status() == 200 ? outcome.text("status") : outcome.body().path("transaction").path("status").asString());
            }
            coordinator.kill9();

            coordinator.restart().awaitHttp(url + "/actuator/health/readiness");

            answered.forEach((id, state) -> assertThat(api.get("/api/v1/transactions/" + id).text("status"))
                    .as("transaction %s answered %s before the kill", id, state)
                    .isEqualTo(state));
            assertThat(answered.values()).containsOnly("COMMITTED", "ABORTED").contains("COMMITTED", "ABORTED");
            answered.forEach((id, state) -> assertThat(yes.committedRows(id)).isEqualTo(state.equals("COMMITTED") ? 1 : 0));
            assertThat(Databases.preparedTransactions(yes.databaseUrl(), "sa", "")).isEmpty();
        }
    }
}
