package dev.verdict.samples.transfer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

import dev.verdict.samples.transfer.Transfers.Bank;

/**
 * Transfers per second and latency percentiles, with Verdict and, as the baseline in the same run, the
 * same two HTTP calls without a global transaction (each bank commits on its own: fast, and not atomic).
 * Enabled with {@code transfer.benchmark.transfers=N}; {@code transfer.benchmark.concurrency} clients.
 */
@Component
@ConditionalOnProperty("transfer.benchmark.transfers")
class Benchmark implements ApplicationRunner {

    private final Transfers transfers;
    private final RestClient bankA;
    private final RestClient bankB;
    private final int count;
    private final int concurrency;

    Benchmark(Transfers transfers, RestClient.Builder builder, TransferProperties properties,
            org.springframework.core.env.Environment environment) {
        this.transfers = transfers;
        this.bankA = builder.clone().baseUrl(properties.bankAUrl()).build();
        this.bankB = builder.clone().baseUrl(properties.bankBUrl()).build();
        this.count = environment.getRequiredProperty("transfer.benchmark.transfers", Integer.class);
        this.concurrency = environment.getProperty("transfer.benchmark.concurrency", Integer.class, 8);
    }

    @Override
    public void run(ApplicationArguments args) throws Exception {
        measure("warm-up", Math.min(count, 200), this::verdictTransfer);
        measure("warm-up", Math.min(count, 200), this::plainCalls);
        System.out.printf("%-34s %9s %11s %11s %9s %9s %9s%n", "mode", "transfers", "concurrency", "transfers/s",
                "p50 ms", "p99 ms", "failed");
        print(measure("baseline: two calls, no 2PC", count, this::plainCalls));
        print(measure("verdict: global transaction (2PC)", count, this::verdictTransfer));
        long total = transfers.totalBalance();
        System.out.printf("total balance across both banks after the run: %d.%02d%n", total / 100, total % 100);
    }

    private boolean verdictTransfer(int i) {
        Bank from = i % 2 == 0 ? Bank.A : Bank.B;
        return transfers.transfer(from, 1 + i % 5, 1 + (i / 5) % 5, 1).committed();
    }

    private boolean plainCalls(int i) {
        RestClient from = i % 2 == 0 ? bankA : bankB;
        RestClient to = i % 2 == 0 ? bankB : bankA;
        from.post().uri("/accounts/{id}/debit", 1 + i % 5).body(new Transfers.Amount(1)).retrieve().toBodilessEntity();
        to.post().uri("/accounts/{id}/credit", 1 + (i / 5) % 5).body(new Transfers.Amount(1)).retrieve().toBodilessEntity();
        return true;
    }

    private interface Transfer {
        boolean run(int i);
    }

    private record Result(String mode, int transfers, double seconds, long[] nanos, int failed) {
    }

    private Result measure(String mode, int n, Transfer transfer) throws Exception {
        long[] nanos = new long[n];
        AtomicInteger failed = new AtomicInteger();
        long start = System.nanoTime();
        List<Future<?>> running = new ArrayList<>();
        try (ExecutorService clients = Executors.newFixedThreadPool(concurrency)) {
            for (int i = 0; i < n; i++) {
                int index = i;
                running.add(clients.submit(() -> {
                    long began = System.nanoTime();
                    try {
                        if (!transfer.run(index)) {
                            failed.incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                    }
                    nanos[index] = System.nanoTime() - began;
                }));
            }
        }
        for (Future<?> future : running) {
            future.get();
        }
        return new Result(mode, n, (System.nanoTime() - start) / 1e9, nanos, failed.get());
    }

    private void print(Result result) {
        long[] sorted = result.nanos().clone();
        Arrays.sort(sorted);
        System.out.printf("%-34s %9d %11d %11.1f %9.1f %9.1f %9d%n", result.mode(), result.transfers(), concurrency,
                result.transfers() / result.seconds(), percentile(sorted, 0.50), percentile(sorted, 0.99), result.failed());
    }

    private static double percentile(long[] sorted, double quantile) {
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)] / 1e6;
    }
}
