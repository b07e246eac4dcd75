package dev.verdict.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The benchmark README names ({@code ./demo.sh bench}), run from its packaged jar for a few seconds: it starts
 * PostgreSQL, the packaged banks and coordinator itself, measures a case without and one with a global
 * transaction, checks the money after each and writes its rows. Figures are not judged here, only that they
 * are there.
 */
class BenchmarkSmokeIT {

    @Test
    void aShortRunMeasuresBothCasesKeepsTheMoneyAndWritesItsRows(@TempDir Path output) throws Exception {
        Path root = Path.of(System.getProperty("verdict.root", "..")).toAbsolutePath().normalize();
        Path console = output.resolve("benchmark.out");
        ProcessBuilder benchmark = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dverdict.root=" + root, "-Dbench.output=" + output, "-jar", packagedJar(root).toString())
                .redirectErrorStream(true).redirectOutput(console.toFile());
        benchmark.environment().putAll(Map.of("BENCH_MODES", "baseline,verdict-h2-log", "BENCH_CLIENTS", "1",
                "BENCH_SECONDS", "2", "BENCH_WARMUP_SECONDS", "1", "BENCH_JIT_WARMUP_SECONDS", "0", "BENCH_ACCOUNTS", "100"));
        Process run = benchmark.start();
        boolean ended = run.waitFor(5, TimeUnit.MINUTES);
        if (!ended) {
            run.descendants().forEach(ProcessHandle::destroyForcibly);
            run.destroyForcibly();
        }
        String printed = Files.readString(console);
        assertThat(ended).as("the benchmark ended within 5 minutes; it printed:%n%s", printed).isTrue();
        assertThat(run.exitValue()).as("exit code; it printed:%n%s", printed).isZero();
        assertThat(printed).contains("baseline           1 clients: total balance unchanged",
                "verdict-h2-log     1 clients: total balance unchanged", "CPU per transfer (ms): coordinator",
                "begin (coordinator)", "Rows written to");

        List<JsonNode> rows = JsonMapper.builder().build().readTree(output.resolve("results.json").toFile()).valueStream().toList();
        assertThat(rows).extracting(row -> row.path("mode").asString()).containsExactly("baseline", "verdict-h2-log");
        for (JsonNode row : rows) {
            assertThat(row.path("committed").asLong()).as("committed in %s", row).isPositive();
            assertThat(row.path("failed").asLong()).as("failed in %s", row).isZero();
            assertThat(row.path("aborted").asLong()).as("aborted in %s", row).isZero();
            assertThat(row.path("p50_ms").asDouble()).as("p50 in %s", row).isPositive();
            assertThat(row.path("machine_cpu_ms_per_tx").asDouble()).as("machine CPU in %s", row).isPositive();
        }
        assertThat(rows.get(0).path("coordinator_cpu_ms_per_tx").isNull()).as("no coordinator in the baseline").isTrue();
        assertThat(rows.get(1).path("coordinator_cpu_ms_per_tx").asDouble()).isPositive();
    }

    private static Path packagedJar(Path root) throws IOException {
        try (Stream<Path> files = Files.list(root.resolve("benchmark").resolve("target"))) {
            return files.filter(file -> file.getFileName().toString().matches("verdict-benchmark-.*-exec\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no packaged benchmark in benchmark/target: run ./mvnw package"));
        }
    }
}
