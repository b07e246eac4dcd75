package dev.verdict.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import tools.jackson.databind.json.JsonMapper;

/** The rows of a run: printed as a table, and written as JSON to {@code results.json} beside the logs. */
final class Results {

    /** One case. The field names are those of {@code results.json}. */
    record Row(String mode, int clients, double seconds, long committed, long aborted, long failed, double tps,
            double p50_ms, double p99_ms, double max_ms, @Nullable Double coordinator_cpu_ms_per_tx,
            @Nullable Double machine_cpu_ms_per_tx) {
    }

    private final List<Row> rows = new ArrayList<>();
    private final Path file;
    private final JsonMapper json = JsonMapper.builder().build();

    Results(Path directory) {
        this.file = directory.resolve("results.json");
    }

    Row add(String mode, int clients, Workload.Measured measured, @Nullable Double coordinatorCpuMsPerTransfer,
            @Nullable Double machineCpuMsPerTransfer) {
        Row row = new Row(mode, clients, measured.seconds(), measured.committed(), measured.aborted(), measured.failed(),
                round(measured.tps()), round(measured.percentileMillis(0.50)), round(measured.percentileMillis(0.99)),
                round(measured.percentileMillis(1.0)), coordinatorCpuMsPerTransfer == null ? null : round(coordinatorCpuMsPerTransfer),
                machineCpuMsPerTransfer == null ? null : round(machineCpuMsPerTransfer));
        rows.add(row);
        write();
        return row;
    }

    private void write() {
        try {
            Files.createDirectories(file.getParent());
            json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), rows);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path file() {
        return file;
    }

    /** The table, with each case's throughput and p50 beside the baseline's at the same number of clients. */
    void print() {
        System.out.println();
        System.out.printf("%-15s %7s %9s %7s %6s %9s %8s %8s %9s %10s %11s %10s %11s%n", "mode", "clients", "committed",
                "aborted", "failed", "tps", "p50 ms", "p99 ms", "max ms", "cpu ms/tx", "machine cpu", "tps/base", "p50/base");
        for (Row row : rows) {
            Optional<Row> baseline = rows.stream()
                    .filter(other -> other.mode().equals("baseline") && other.clients() == row.clients()).findFirst();
            System.out.printf("%-15s %7d %9d %7d %6d %9.1f %8.2f %8.2f %9.2f %10s %11s %10s %11s%n", row.mode(), row.clients(),
                    row.committed(), row.aborted(), row.failed(), row.tps(), row.p50_ms(), row.p99_ms(), row.max_ms(),
                    row.coordinator_cpu_ms_per_tx() == null ? "-" : String.format("%.2f", row.coordinator_cpu_ms_per_tx()),
                    row.machine_cpu_ms_per_tx() == null ? "-" : String.format("%.2f", row.machine_cpu_ms_per_tx()),
                    baseline.map(base -> String.format("%.2fx", row.tps() / base.tps())).orElse("-"),
                    baseline.map(base -> String.format("%.2fx", row.p50_ms() / base.p50_ms())).orElse("-"));
        }
        rows.stream().filter(row -> row.mode().startsWith("verdict")).forEach(row -> rows.stream()
                .filter(other -> other.mode().equals("atomikos") && other.clients() == row.clients()).findFirst()
                .ifPresent(atomikos -> System.out.printf("%s beside atomikos at %d clients: %.2fx its throughput%n",
                        row.mode(), row.clients(), row.tps() / atomikos.tps())));
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
