package dev.verdict.benchmark;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

import dev.verdict.benchmark.BenchSettings.Mode;
import dev.verdict.participant.autoconfigure.GlobalTransactions;
import dev.verdict.testsupport.JavaProcess;
import dev.verdict.testsupport.Ports;
import dev.verdict.testsupport.TestCredentials;

/** Runs every case of {@link BenchSettings} in one run, on one machine, and checks the money after each. */
@Component
class BenchmarkRunner implements ApplicationRunner {

    private final BenchSettings settings;
    private final RestClient.Builder http;
    private final GlobalTransactions transactions;
    private final int coordinatorPort;

    BenchmarkRunner(RestClient.Builder http, GlobalTransactions transactions, @Value("${bench.coordinator-port}") int coordinatorPort) {
        this.settings = BenchSettings.from(System.getenv(), BenchmarkApplication.output());
        this.http = http;
        this.transactions = transactions;
        this.coordinatorPort = coordinatorPort;
    }

    @Override
    public void run(ApplicationArguments args) throws Exception {
        String accounts = String.format("accounts drawn %s from %d per bank (%s banks); %d processors",
                settings.hot() == 0 ? "uniformly" : "from the first " + settings.hot(), settings.accounts(),
                settings.postgresBanks() ? "PostgreSQL" : "H2", Runtime.getRuntime().availableProcessors());
        if (settings.soak().isZero()) {
            System.out.printf("Benchmark: %s, clients %s, %d s measured after %d s of warm-up, %s%n",
                    settings.modes().stream().map(mode -> mode.label).toList(), settings.clients(),
                    settings.measured().toSeconds(), settings.warmUp().toSeconds(), accounts);
        } else {
            System.out.printf("Long run: verdict-h2-log, %d clients, %d minutes measured after the JIT warm-up, %s%n",
                    settings.soakClients(), settings.soak().toMinutes(), accounts);
        }
        Results results = new Results(settings.output());
        Workload workload = new Workload(settings);
        boolean warmedUp = false;
        try (Services services = new Services(settings, coordinatorPort, Map.of("a", Ports.free(), "b", Ports.free()))) {
            // The banks check the coordinator's address at start-up, so it comes first.
            services.startCoordinator(false, "start");
            services.startBanks();
            BankCalls banks = new BankCalls(http, services);
            VerdictTransfers verdict = new VerdictTransfers(transactions, banks, false);
            VerdictTransfers verdictAtDecision = new VerdictTransfers(transactions, banks, true);
            if (!settings.soak().isZero()) {
                services.startCoordinator(false, "long-run", Soak.coordinatorArguments());
                // its first minute is then measured on warm services, as its last one is
                workload.warmUp("long run", verdict::transfer);
                new Soak(settings, services, http).run(verdict::transfer);
                return;
            }
            if (settings.modes().stream().anyMatch(mode -> mode.label.startsWith("verdict"))) {
                // The banks and this JVM run the SDK's code only under a global transaction: warmed up here, on
                // the coordinator started above, that code is compiled before any case is measured, instead of
                // during the first Verdict case, whose figures (at 1 client most) would otherwise include it.
                workload.warmUp("the SDK's code", verdict::transfer);
            }
            for (Mode mode : settings.modes()) {
                System.out.println(mode.label + ":");
                if (mode == Mode.COORDINATOR_ALONE) {
                    JavaProcess alone = services.startCoordinator(false, mode.label);
                    new CoordinatorAlone(settings).run(services.coordinatorUrl(), alone,
                            settings.clients().stream().map(clients -> Math.min(clients, 16)).distinct().toList());
                    continue;
                }
                JavaProcess coordinator = switch (mode) {
                    case VERDICT_H2_LOG, VERDICT_H2_LOG_AT_DECISION -> services.startCoordinator(false, mode.label);
                    case VERDICT_PG_LOG -> services.startCoordinator(true, mode.label);
                    default -> null;
                };
                if (coordinator != null || !warmedUp) {
                    // A JVM just started compiles its hot paths for a minute or more: measure the steady state
                    // that a long-running service is in, not the warm-up.
                    workload.warmUp(mode.label, coordinator == null ? banks::withoutGlobalTransaction
                            : mode == Mode.VERDICT_H2_LOG_AT_DECISION ? verdictAtDecision::transfer : verdict::transfer);
                    warmedUp = true;
                }
                for (int clients : settings.clients()) {
                    Map<String, @Nullable JavaProcess> processes = new LinkedHashMap<>();
                    processes.put("coordinator", coordinator);
                    processes.put("bank a", services.bank("a"));
                    processes.put("bank b", services.bank("b"));
                    CpuShares cpu = new CpuShares(processes);
                    TimeBreakdown breakdown = new TimeBreakdown(Map.of("coordinator", http.clone().baseUrl(services.coordinatorUrl())
                                    .defaultHeader("Authorization", "Bearer " + TestCredentials.OPERATOR_TOKEN).build(),
                            "bank", http.clone().baseUrl(services.bankUrl("a")).build()));
                    Runnable measuredStarts = coordinator == null ? cpu::start : () -> {
                        cpu.start();
                        breakdown.start();
                    };
                    Workload.Measured measured;
                    if (mode == Mode.ATOMIKOS) {
                        try (AtomikosTransfers atomikos = new AtomikosTransfers(services, clients,
                                settings.output().resolve("atomikos").toAbsolutePath().toString())) {
                            measured = workload.run(mode.label, clients, atomikos::transfer, measuredStarts, cpu::stop);
                        }
                    } else {
                        Workload.Transfer transfer = switch (mode) {
                            case BASELINE -> banks::withoutGlobalTransaction;
                            case VERDICT_H2_LOG_AT_DECISION -> verdictAtDecision::transfer;
                            default -> verdict::transfer;
                        };
                        measured = workload.run(mode.label, clients, transfer, measuredStarts, cpu::stop);
                    }
                    long transfers = measured.committed() + measured.aborted();
                    Results.Row row = results.add(mode.label, clients, measured, cpu.millisPer("coordinator", transfers),
                            cpu.millisPer("machine", transfers));
                    checkTheMoney(services, mode.label, clients);
                    System.out.printf("  %-16s %3d clients: %.1f transfers/s, p50 %.2f ms, p99 %.2f ms, %d aborted, %d failed%s%n",
                            mode.label, clients, row.tps(), row.p50_ms(), row.p99_ms(), row.aborted(), row.failed(),
                            measured.firstFailure().isEmpty() ? "" : " (first failure: " + measured.firstFailure() + ")");
                    System.out.println(cpu.line(transfers));
                    if (coordinator != null) {
                        System.out.println("  where the time of a transfer went (services' own timers):");
                        breakdown.stop().forEach(System.out::println);
                    }
                }
            }
        }
        results.print();
        System.out.println("Rows written to " + results.file().toAbsolutePath());
    }

    private static void checkTheMoney(Services services, String mode, int clients) {
        long total = services.totalBalance();
        if (total != services.expectedTotal()) {
            throw new IllegalStateException("after " + mode + " with " + clients + " clients the banks hold " + total
                    + " cents in all, not " + services.expectedTotal() + ": money was created or lost");
        }
        System.out.printf("  %-16s %3d clients: total balance unchanged (%d cents)%n", mode, clients, total);
    }
}
