package dev.verdict.benchmark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.springframework.web.client.RestClient;

import dev.verdict.testsupport.TestCredentials;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The long run: transfers through Verdict on its H2 log, minute after minute, to show that throughput
 * holds and that the log stays small, in rows and in bytes on disk. The coordinator keeps finished
 * transactions for one minute here ({@code log-retention}), so the log should level off after a couple of
 * minutes.
 */
final class Soak {

    /** One minute of the long run; written to {@code soak.json}. */
    record Minute(int minute, double tps, long log_transactions, long log_bytes) {
    }

    private final BenchSettings settings;
    private final Services services;
    private final RestClient coordinator;

    Soak(BenchSettings settings, Services services, RestClient.Builder http) {
        this.settings = settings.forSoak();
        this.services = services;
        this.coordinator = http.clone().baseUrl(services.coordinatorUrl())
                .defaultHeader("Authorization", "Bearer " + TestCredentials.OPERATOR_TOKEN).build();
    }

    static List<String> coordinatorArguments() {
        return List.of("--verdict.coordinator.log-retention=1m", "--verdict.coordinator.log-prune-interval=10s");
    }

    void run(Workload.Transfer transfer) throws Exception {
        List<Long> logSizes = new ArrayList<>();
        List<Long> logBytes = new ArrayList<>();
        Workload.Measured measured = new Workload(settings).run("long run", settings.soakClients(), transfer, () -> {
        }, () -> {
        }, () -> {
            long rows = logMeter("verdict.log.transactions");
            long bytes = logMeter("verdict.log.size");
            logSizes.add(rows);
            logBytes.add(bytes);
            return String.format(", %d transactions in the log, its file %.1f MB", rows, bytes / 1e6);
        });
        List<Minute> minutes = new ArrayList<>();
        for (int i = 0; i < measured.intervalTps().size(); i++) {
            minutes.add(new Minute(i + 1, Math.round(measured.intervalTps().get(i) * 10) / 10.0, logSizes.get(i),
                    logBytes.get(i)));
        }
        Path file = settings.output().resolve("soak.json");
        Files.createDirectories(file.getParent());
        JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), minutes);
        double first = minutes.getFirst().tps();
        double last = minutes.getLast().tps();
        System.out.printf("long run, %d clients, %d minutes: first minute %.1f transfers/s, last minute %.1f/s (%.0f%% of the"
                + " first); transactions in the log at each minute %s, its size in MB %s; %d failed, %d aborted%n",
                settings.soakClients(), minutes.size(), first, last, 100 * last / first, logSizes,
                logBytes.stream().map(bytes -> String.format("%.1f", bytes / 1e6)).toList(), measured.failed(),
                measured.aborted());
        long total = services.totalBalance();
        if (total != services.expectedTotal()) {
            throw new IllegalStateException("after the long run the banks hold " + total + " cents, not " + services.expectedTotal());
        }
        System.out.printf("long run: total balance unchanged (%d cents); rows written to %s%n", total, file.toAbsolutePath());
    }

    /** A gauge of the log, as the coordinator last read it (at its last pruning pass). */
    private long logMeter(String name) {
        JsonNode meter = coordinator.get().uri("/actuator/metrics/{name}", name).retrieve().body(JsonNode.class);
        return (long) meter.path("measurements").get(0).path("value").asDouble();
    }
}
