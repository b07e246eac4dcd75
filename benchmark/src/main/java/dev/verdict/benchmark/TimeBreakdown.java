package dev.verdict.benchmark;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.web.client.RestClient;

import tools.jackson.databind.JsonNode;

/**
 * Where the time of a Verdict transfer goes, from the services' own timers (Micrometer, read over
 * {@code /actuator/metrics} before and after the measured part of a case): the mean server time of each
 * call a transfer makes, the coordinator's phases and its log commits.
 */
final class TimeBreakdown {

    /** How a meter is reported: a timer's mean time, a distribution summary's mean count, or a counter's total. */
    private enum Kind {
        MEAN_TIME, MEAN_COUNT, TOTAL
    }

    /** A meter: which service, which meter, which tags, and what to call it in the report. */
    private record Probe(String label, String service, String meter, List<String> tags, Kind kind) {

        Probe(String label, String service, String meter, List<String> tags) {
            this(label, service, meter, tags, Kind.MEAN_TIME);
        }
    }

    private static final List<Probe> PROBES = List.of(
            new Probe("begin (coordinator)", "coordinator", "http.server.requests", List.of("uri:/api/v1/transactions", "method:POST")),
            new Probe("  begun instead with the commit before", "coordinator", "verdict.transactions.begun.next", List.of(), Kind.TOTAL),
            new Probe("register (coordinator)", "coordinator", "http.server.requests",
                    List.of("uri:/api/v1/transactions/{id}/participants", "method:POST")),
            new Probe("register, several in one call (coordinator)", "coordinator", "http.server.requests",
                    List.of("uri:/api/v1/registrations", "method:POST")),
            new Probe("  registrations per such call", "coordinator", "verdict.registrations.batch.size", List.of(), Kind.MEAN_COUNT),
            new Probe("debit (bank a, its register/prepare incl.)", "bank", "http.server.requests",
                    List.of("uri:/accounts/{id}/debit", "method:POST")),
            new Probe("commit request (coordinator, both phases)", "coordinator", "http.server.requests",
                    List.of("uri:/api/v1/transactions/{id}/commit", "method:POST")),
            new Probe("  phase 1: prepare (none if all prepared)", "coordinator", "verdict.phase.duration", List.of("phase:prepare")),
            new Probe("    prepare (bank, XA end + prepare)", "bank", "http.server.requests",
                    List.of("uri:/verdict/participant/prepare", "method:POST")),
            new Probe("  log: one forced group commit (sync incl.)", "coordinator", "verdict.log.commit", List.of("durability:forced")),
            new Probe("  log: one lazy group commit (off the path)", "coordinator", "verdict.log.commit", List.of("durability:lazy")),
            new Probe("  phase 2: commit both branches", "coordinator", "verdict.phase.duration", List.of("phase:commit")),
            new Probe("    commit (bank, XA commit)", "bank", "http.server.requests",
                    List.of("uri:/verdict/participant/commit", "method:POST")),
            new Probe("    commit, several in one call (bank)", "bank", "http.server.requests",
                    List.of("uri:/verdict/participant/commit-batch", "method:POST")),
            new Probe("    branches per such call (both banks)", "coordinator", "verdict.phase2.batch.branches",
                    List.of("action:commit"), Kind.MEAN_COUNT));

    private final Map<String, RestClient> services;
    private Map<Probe, double[]> before = Map.of();

    /** {@code services} by name ("coordinator", "bank"), each a client of its base URL. */
    TimeBreakdown(Map<String, RestClient> services) {
        this.services = services;
    }

    void start() {
        before = read();
    }

    /** The mean time of each probe over the measured part, as report lines. */
    List<String> stop() {
        Map<Probe, double[]> after = read();
        return PROBES.stream().map(probe -> {
            double count = after.get(probe)[0] - before.getOrDefault(probe, new double[2])[0];
            // seconds for a timer, a plain sum for a distribution summary
            double total = after.get(probe)[1] - before.getOrDefault(probe, new double[2])[1];
            if (probe.kind() == Kind.TOTAL) {
                return String.format("    %-44s %8.0f", probe.label(), count);
            }
            if (probe.kind() == Kind.MEAN_COUNT) {
                return String.format("    %-44s %8.2f mean over %.0f calls", probe.label(), count == 0 ? 0 : total / count, count);
            }
            return String.format("    %-44s %8.2f ms mean over %.0f", probe.label(), count == 0 ? 0 : total * 1000 / count, count);
        }).toList();
    }

    private Map<Probe, double[]> read() {
        Map<Probe, double[]> values = new LinkedHashMap<>();
        for (Probe probe : PROBES) {
            values.put(probe, countAndTotal(probe));
        }
        return values;
    }

    /** COUNT and TOTAL_TIME of a timer (TOTAL of a distribution summary), or zeros if it has not recorded anything yet. */
    private double[] countAndTotal(Probe probe) {
        try {
            JsonNode meter = services.get(probe.service()).get()
                    .uri(uri -> {
                        // tags such as uri:/accounts/{id}/debit hold braces: passed as variables, not as a template
                        uri.path("/actuator/metrics/" + probe.meter());
                        Map<String, String> tags = new LinkedHashMap<>();
                        for (int i = 0; i < probe.tags().size(); i++) {
                            uri.queryParam("tag", "{tag" + i + "}");
                            tags.put("tag" + i, probe.tags().get(i));
                        }
                        return uri.build(tags);
                    })
                    .retrieve().body(JsonNode.class);
            double count = 0;
            double seconds = 0;
            for (JsonNode measurement : meter.path("measurements")) {
                switch (measurement.path("statistic").asString()) {
                    case "COUNT" -> count = measurement.path("value").asDouble();
                    case "TOTAL_TIME", "TOTAL" -> seconds = measurement.path("value").asDouble();
                    default -> {
                    }
                }
            }
            return new double[] {count, seconds};
        } catch (RuntimeException notRecordedYet) {
            return new double[2];
        }
    }
}
