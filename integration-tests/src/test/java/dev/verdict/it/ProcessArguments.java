package dev.verdict.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.verdict.testsupport.TestCredentials;

/** Command lines of the coordinator and bank processes that the crash tests start, kill and restart. */
final class ProcessArguments {

    /** JVM options of the crash tests' processes: the client compiler only, for quicker starts on two cores. */
    static final List<String> TEST_JVM = List.of("-XX:TieredStopAtLevel=1");

    private ProcessArguments() {
    }

    /** A coordinator that recovers quickly, so that a test waits seconds rather than minutes. */
    static List<String> coordinator(int port, Path dataDirectory, @Nullable String crashPoint) {
        List<String> args = new ArrayList<>(List.of("--server.port=" + port,
                "--verdict.coordinator.data-dir=" + dataDirectory.toAbsolutePath(),
                "--verdict.coordinator.recovery-interval=300ms",
                "--verdict.coordinator.prepare-timeout=3s",
                "--verdict.coordinator.connect-timeout=1s",
                "--verdict.coordinator.lease=5s",
                "--resilience4j.retry.instances.phase2.wait-duration=50ms",
                "--resilience4j.circuitbreaker.configs.participant.wait-duration-in-open-state=500ms"));
        args.addAll(TestCredentials.coordinatorArguments());
        if (crashPoint != null) {
            args.add("--verdict.coordinator.crash-point=" + crashPoint);
        }
        return args;
    }

    /** Bank {@code a} or {@code b} on a PostgreSQL database of its own. */
    static List<String> bank(String bank, int port, String database, int coordinatorPort, @Nullable String crashPoint) {
        List<String> args = new ArrayList<>(List.of("--spring.config.name=bank",
                "--spring.profiles.active=" + bank,
                "--server.port=" + port,
                "--spring.datasource.url=" + database,
                "--spring.datasource.username=postgres",
                "--spring.datasource.password=postgres",
                "--verdict.coordinator-url=http://localhost:" + coordinatorPort,
                "--verdict.participant.recovery-interval=500ms",
                "--verdict.participant.lock-wait-timeout=1s"));
        args.addAll(TestCredentials.participantArguments());
        if (crashPoint != null) {
            args.add("--verdict.participant.crash-point=" + crashPoint);
        }
        return args;
    }
}
