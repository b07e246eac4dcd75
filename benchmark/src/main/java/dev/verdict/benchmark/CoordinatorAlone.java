package dev.verdict.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.verdict.testsupport.JavaProcess;
import dev.verdict.testsupport.PlainHttpParticipant;
import dev.verdict.testsupport.TestCredentials;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The coordinator alone: transactions whose two participants answer at once and do no work, so that what
 * is measured is the coordinator's own time and CPU. Each transaction is a begin, two registrations (made
 * here, as the participants would), and a commit. It runs three times: with participants that write each
 * answer in one packet; with participants served as many small HTTP servers serve (status line and body in
 * separate packets, no TCP_NODELAY), which stall a client that delays its acknowledgements; and with
 * branches that register already prepared, so that commit makes no prepare calls.
 */
final class CoordinatorAlone {

    /** One case of this section; written to {@code coordinator-alone.json}. */
    record Row(String participants, int clients, long transactions, double tps, double commit_p50_ms, double commit_p99_ms,
            double transaction_p50_ms, double coordinator_cpu_ms_per_tx) {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The participants of a case: how they write their answers, and whether they prepare before registering. */
    private enum Participants {
        ONE_WRITE("one write, TCP_NODELAY"),
        SPLIT_WRITES("split writes, no TCP_NODELAY"),
        /** One-write participants whose branches register prepared: commit makes no prepare call. */
        PREPARED_FIRST("registered prepared, one write");

        final String label;

        Participants(String label) {
            this.label = label;
        }
    }

    private final BenchSettings settings;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    CoordinatorAlone(BenchSettings settings) {
        this.settings = settings;
    }

    List<Row> run(String coordinatorUrl, JavaProcess coordinator, List<Integer> clientCounts) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (PlainHttpParticipant first = new PlainHttpParticipant(false); PlainHttpParticipant second = new PlainHttpParticipant(false)) {
            new Workload(settings).warmUp("coordinator alone", (fromA, fromAccount, toAccount) -> {
                transaction(coordinatorUrl, first, second, false);
                return Workload.Outcome.COMMITTED;
            });
        }
        for (Participants kind : Participants.values()) {
            String label = kind.label;
            boolean split = kind == Participants.SPLIT_WRITES;
            try (PlainHttpParticipant first = new PlainHttpParticipant(split); PlainHttpParticipant second = new PlainHttpParticipant(split)) {
                for (int clients : clientCounts) {
                    Duration[] cpu = new Duration[2];
                    List<Long> commitLatencies = java.util.Collections.synchronizedList(new ArrayList<>());
                    Workload.Measured measured = new Workload(settings).run("coordinator alone, " + label, clients,
                            (fromA, fromAccount, toAccount) -> {
                                long[] commitNanos = transaction(coordinatorUrl, first, second, kind == Participants.PREPARED_FIRST);
                                commitLatencies.add(commitNanos[0]);
                                return commitNanos[1] == 1 ? Workload.Outcome.COMMITTED : Workload.Outcome.ABORTED;
                            },
                            () -> {
                                commitLatencies.clear();
                                cpu[0] = cpuOf(coordinator);
                            },
                            () -> cpu[1] = cpuOf(coordinator));
                    long[] sorted;
                    synchronized (commitLatencies) {
                        sorted = commitLatencies.stream().mapToLong(Long::longValue).sorted().toArray();
                    }
                    Workload.Measured commits = new Workload.Measured(sorted.length, 0, 0, measured.seconds(), sorted, "");
                    long transactions = measured.committed() + measured.aborted();
                    Row row = new Row(label, clients, transactions, round(measured.tps()), round(commits.percentileMillis(0.5)),
                            round(commits.percentileMillis(0.99)), round(measured.percentileMillis(0.5)),
                            round(cpu[1].minus(cpu[0]).toNanos() / 1e6 / Math.max(1, transactions)));
                    rows.add(row);
                    System.out.printf("  %-32s %3d clients: %.1f transactions/s, commit p50 %.2f ms (p99 %.2f), transaction p50 %.2f ms,"
                            + " coordinator CPU %.2f ms per transaction%n", label, clients, row.tps(), row.commit_p50_ms(),
                            row.commit_p99_ms(), row.transaction_p50_ms(), row.coordinator_cpu_ms_per_tx());
                }
            }
        }
        Path file = settings.output().resolve("coordinator-alone.json");
        Files.createDirectories(file.getParent());
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), rows);
        return rows;
    }

    /**
     * One transaction: begin, two registrations (as branches that came prepared, if {@code prepared}), commit.
     * Answers the commit's time and 1 if it committed.
     */
    private long[] transaction(String coordinatorUrl, PlainHttpParticipant first, PlainHttpParticipant second, boolean prepared) {
        String id = post(coordinatorUrl + "/api/v1/transactions", "{}", TestCredentials.CLIENT_TOKEN).path("id").asString();
        register(coordinatorUrl, id, "plain-1", first.url(), prepared);
        register(coordinatorUrl, id, "plain-2", second.url(), prepared);
        long started = System.nanoTime();
        JsonNode outcome = post(coordinatorUrl + "/api/v1/transactions/" + id + "/commit", "", TestCredentials.CLIENT_TOKEN);
        return new long[] {System.nanoTime() - started, "COMMITTED".equals(outcome.path("status").asString()) ? 1 : 0};
    }

    private void register(String coordinatorUrl, String id, String name, String url, boolean prepared) {
        Map<String, Object> registration = prepared
                ? Map.of("name", name, "url", url, "branchId", UUID.randomUUID().toString(), "prepared", true)
                : Map.of("name", name, "url", url);
        post(coordinatorUrl + "/api/v1/transactions/" + id + "/participants", JSON.writeValueAsString(registration),
                TestCredentials.PARTICIPANT_TOKEN);
    }

    private JsonNode post(String url, String body, String token) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                throw new IllegalStateException(url + " answered " + response.statusCode() + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Duration cpuOf(JavaProcess process) {
        return process.handle().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
