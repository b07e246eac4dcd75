package dev.verdict.benchmark;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What to measure, from the environment, so that {@code ./demo.sh bench} takes it as variables:
 * {@code BENCH_CLIENTS=1,16,64}, {@code BENCH_SECONDS=20}, {@code BENCH_WARMUP_SECONDS=5},
 * {@code BENCH_ACCOUNTS=10000} per bank, {@code BENCH_HOT=n} (draw accounts from the first n only),
 * {@code BENCH_BANKS=postgres|h2}, {@code BENCH_MODES=baseline,verdict-h2-log,verdict-pg-log,atomikos,coordinator-alone}
 * (and, only when named, {@code verdict-h2-log-at-decision}),
 * {@code BENCH_REPORT_SECONDS} (how often to print progress) and {@code BENCH_PROFILE=true} (a flight
 * recording of the coordinator). {@code BENCH_JIT_WARMUP_SECONDS} (120) runs each just-started set of services
 * unmeasured at 16 clients before its first case. {@code BENCH_SOAK_MINUTES=n} runs instead the long run: Verdict on the H2
 * log at {@code BENCH_SOAK_CLIENTS} (16) clients for n minutes, throughput and log size each minute.
 * {@code BENCH_COORDINATOR_ARGS} and {@code BENCH_BANK_ARGS} add arguments to every start of the coordinator or of
 * the banks, to measure a setting.
 */
record BenchSettings(List<Integer> clients, Duration measured, Duration warmUp, int accounts, int hot,
        boolean postgresBanks, List<Mode> modes, Duration reportEvery, boolean profile, Path output, Duration soak,
        int soakClients, Duration jitWarmUp, List<String> coordinatorArguments, List<String> bankArguments) {

    /** The cases, in the order they run. */
    enum Mode {
        BASELINE("baseline"), VERDICT_H2_LOG("verdict-h2-log"), VERDICT_PG_LOG("verdict-pg-log"), ATOMIKOS("atomikos"),
        /** Not run by default: the H2 log, the commit answered once the decision is logged (respond-async). */
        VERDICT_H2_LOG_AT_DECISION("verdict-h2-log-at-decision"),
        /** The coordinator with participants that answer at once: its own cost, and plain HTTP servers. */
        COORDINATOR_ALONE("coordinator-alone");

        final String label;

        Mode(String label) {
            this.label = label;
        }

        static Mode of(String label) {
            return Arrays.stream(values()).filter(mode -> mode.label.equals(label.strip())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("BENCH_MODES: unknown mode '" + label
                            + "'; choose from baseline, verdict-h2-log, verdict-pg-log, atomikos, coordinator-alone,"
                            + " verdict-h2-log-at-decision"));
        }
    }

    static BenchSettings from(Map<String, String> environment, Path output) {
        List<Integer> clients = Arrays.stream(environment.getOrDefault("BENCH_CLIENTS", "1,16,64").split(","))
                .map(String::strip).map(Integer::valueOf).toList();
        String banks = environment.getOrDefault("BENCH_BANKS", "postgres");
        if (!banks.equals("postgres") && !banks.equals("h2")) {
            throw new IllegalArgumentException("BENCH_BANKS must be postgres or h2, not " + banks);
        }
        List<Mode> modes = Arrays.stream(environment.getOrDefault("BENCH_MODES",
                "baseline,verdict-h2-log,verdict-pg-log,atomikos,coordinator-alone").split(",")).map(Mode::of).toList();
        int accounts = Integer.parseInt(environment.getOrDefault("BENCH_ACCOUNTS", "10000"));
        int hot = Integer.parseInt(environment.getOrDefault("BENCH_HOT", "0"));
        if (accounts < 2 || hot < 0 || hot > accounts || clients.stream().anyMatch(count -> count < 1)) {
            throw new IllegalArgumentException("BENCH_ACCOUNTS must be at least 2, BENCH_HOT between 0 (uniform) and"
                    + " BENCH_ACCOUNTS, and every BENCH_CLIENTS count at least 1");
        }
        return new BenchSettings(clients, seconds(environment, "BENCH_SECONDS", 20), seconds(environment, "BENCH_WARMUP_SECONDS", 5),
                accounts, hot, banks.equals("postgres"), modes, seconds(environment, "BENCH_REPORT_SECONDS", 5),
                Boolean.parseBoolean(environment.getOrDefault("BENCH_PROFILE", "false")), output,
                Duration.ofMinutes(Integer.parseInt(environment.getOrDefault("BENCH_SOAK_MINUTES", "0"))),
                Integer.parseInt(environment.getOrDefault("BENCH_SOAK_CLIENTS", "16")),
                seconds(environment, "BENCH_JIT_WARMUP_SECONDS", 120),
                arguments(environment, "BENCH_COORDINATOR_ARGS"), arguments(environment, "BENCH_BANK_ARGS"));
    }

    private static List<String> arguments(Map<String, String> environment, String name) {
        return Arrays.stream(environment.getOrDefault(name, "").split("\\s+")).filter(arg -> !arg.isBlank()).toList();
    }

    private static Duration seconds(Map<String, String> environment, String name, int fallback) {
        int seconds = Integer.parseInt(environment.getOrDefault(name, Integer.toString(fallback)));
        if (seconds < 0) {
            throw new IllegalArgumentException(name + " must not be negative");
        }
        return Duration.ofSeconds(seconds);
    }

    /** These settings for the long run: its length measured, progress every minute. */
    BenchSettings forSoak() {
        return new BenchSettings(List.of(soakClients), soak, warmUp, accounts, hot, postgresBanks, List.of(Mode.VERDICT_H2_LOG),
                Duration.ofMinutes(1), profile, output, soak, soakClients, jitWarmUp, coordinatorArguments, bankArguments);
    }

    /** These settings for the JIT warm-up: no measured time after it, and quiet. */
    BenchSettings withWarmUpOnly() {
        return new BenchSettings(clients, Duration.ZERO, jitWarmUp, accounts, hot, postgresBanks, modes, jitWarmUp.plusDays(1),
                profile, output, soak, soakClients, jitWarmUp, coordinatorArguments, bankArguments);
    }

    /** The accounts a transfer draws from: the first {@code hot}, or all of them. */
    int drawFrom() {
        return hot == 0 ? accounts : hot;
    }
}
