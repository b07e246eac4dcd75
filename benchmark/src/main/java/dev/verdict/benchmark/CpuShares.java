package dev.verdict.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.verdict.testsupport.JavaProcess;

/**
 * Where the CPU of the measured part of a case went, per transfer: each of the services' processes, this
 * benchmark's own JVM (the clients), and the whole machine from {@code /proc/stat}. What the machine spent
 * beyond these processes is mostly PostgreSQL's. On two shared cores, throughput is CPU over cost per
 * transfer, so this says which process a faster transfer must come from.
 */
final class CpuShares {

    /** The unit of /proc/stat, fixed at 100 per second on Linux's user-facing interfaces. */
    private static final long USER_HZ = 100;

    private final Map<String, ProcessHandle> processes = new LinkedHashMap<>();
    private final Map<String, Duration> startedAt = new LinkedHashMap<>();
    private final Map<String, Duration> used = new LinkedHashMap<>();

    /** {@code services} by name; a null one (no coordinator in the baseline) is left out. */
    CpuShares(Map<String, @Nullable JavaProcess> services) {
        services.forEach((name, process) -> {
            if (process != null) {
                processes.put(name, process.handle());
            }
        });
        processes.put("client", ProcessHandle.current());
    }

    void start() {
        processes.forEach((name, process) -> startedAt.put(name, cpuOf(process)));
        Duration machine = machineBusy();
        if (machine != null) {
            startedAt.put("machine", machine);
        }
    }

    void stop() {
        processes.forEach((name, process) -> used.put(name, cpuOf(process).minus(startedAt.get(name))));
        Duration machine = machineBusy();
        if (machine != null && startedAt.containsKey("machine")) {
            used.put("machine", machine.minus(startedAt.get("machine")));
        }
    }

    /** Milliseconds of CPU per transfer of one process by name, or null if it was not measured. */
    @Nullable Double millisPer(String name, long transfers) {
        Duration spent = used.get(name);
        return spent == null || transfers == 0 ? null : spent.toNanos() / 1e6 / transfers;
    }

    /** One report line: each process's share, the rest of the machine's, and the machine's in all. */
    String line(long transfers) {
        if (transfers == 0) {
            return "    CPU per transfer: nothing committed";
        }
        StringBuilder line = new StringBuilder("    CPU per transfer (ms):");
        Duration processesTotal = Duration.ZERO;
        for (String name : processes.keySet()) {
            line.append(String.format(" %s %.2f,", name, millisPer(name, transfers)));
            processesTotal = processesTotal.plus(used.get(name));
        }
        Double machine = millisPer("machine", transfers);
        if (machine == null) {
            return line.append(" the machine's total unknown (no /proc/stat)").toString();
        }
        line.append(String.format(" the rest (PostgreSQL, the OS) %.2f; the machine %.2f",
                machine - processesTotal.toNanos() / 1e6 / transfers, machine));
        return line.toString();
    }

    private static Duration cpuOf(ProcessHandle process) {
        return process.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /** CPU time the whole machine spent busy (neither idle nor waiting for I/O), summed over its cores; null off Linux. */
    private static @Nullable Duration machineBusy() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long busy = 0;
            // cpu user nice system idle iowait irq softirq steal; guest time is counted in user already
            for (int i = 1; i <= 8 && i < fields.length; i++) {
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(fields[i]);
                }
            }
            return Duration.ofMillis(busy * 1000 / USER_HZ);
        } catch (IOException | RuntimeException notLinux) {
            return null;
        }
    }
}
