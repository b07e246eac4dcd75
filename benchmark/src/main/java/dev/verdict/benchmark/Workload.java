package dev.verdict.benchmark;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Runs one case: {@code clients} threads make transfers back to back, first for the warm-up, whose
 * transfers are not counted, then for the measured time. Each transfer draws a direction and two accounts
 * uniformly. Progress is printed while it runs.
 */
final class Workload {

    /** What became of one transfer. A transfer that throws has failed. */
    enum Outcome {
        COMMITTED, ABORTED
    }

    /** One transfer of one cent from an account of one bank to an account of the other. */
    @FunctionalInterface
    interface Transfer {
        Outcome run(boolean fromA, int fromAccount, int toAccount) throws Exception;
    }

    /** What a case measured; {@code intervalTps} is the throughput of each progress interval, in order. */
    record Measured(long committed, long aborted, long failed, double seconds, long[] sortedNanos, String firstFailure,
            List<Double> intervalTps) {

        Measured(long committed, long aborted, long failed, double seconds, long[] sortedNanos, String firstFailure) {
            this(committed, aborted, failed, seconds, sortedNanos, firstFailure, List.of());
        }

        double tps() {
            return committed / seconds;
        }

        double percentileMillis(double quantile) {
            if (sortedNanos.length == 0) {
                return 0;
            }
            int index = (int) Math.min(sortedNanos.length - 1, Math.ceil(quantile * sortedNanos.length) - 1);
            return sortedNanos[Math.max(0, index)] / 1e6;
        }
    }

    private final BenchSettings settings;

    Workload(BenchSettings settings) {
        this.settings = settings;
    }

    /**
     * Runs {@code transfer} from {@code clients} threads; {@code measuredStarts} and {@code measuredEnds} run
     * at the start and end of the measured time (to read CPU clocks and timers, say).
     */
    Measured run(String label, int clients, Transfer transfer, Runnable measuredStarts, Runnable measuredEnds)
            throws InterruptedException {
        return run(label, clients, transfer, measuredStarts, measuredEnds, () -> "");
    }

    /** As {@link #run}, with {@code more} appended to every progress line (the log's size, say). */
    Measured run(String label, int clients, Transfer transfer, Runnable measuredStarts, Runnable measuredEnds,
            java.util.function.Supplier<String> more) throws InterruptedException {
        long warmUpEnds = System.nanoTime() + settings.warmUp().toNanos();
        long measuredEndsAt = warmUpEnds + settings.measured().toNanos();
        Client[] running = new Client[clients];
        CountDownLatch done = new CountDownLatch(clients);
        for (int i = 0; i < clients; i++) {
            running[i] = new Client(transfer, warmUpEnds, measuredEndsAt, new SplittableRandom(31L * i + clients), done);
            Thread.ofPlatform().name("bench-client-" + i).daemon(true).start(running[i]);
        }
        System.out.printf("  %-16s %3d clients: warm-up %d s, then %d s measured%n", label, clients,
                settings.warmUp().toSeconds(), settings.measured().toSeconds());
        sleepUntil(warmUpEnds);
        measuredStarts.run();
        long reportEvery = Math.max(1, settings.reportEvery().toNanos());
        List<Double> intervalTps = new ArrayList<>();
        long committedBefore = 0;
        // on a schedule from the start of the measured time, so that its last interval is reported too
        for (long next = warmUpEnds + reportEvery; next <= measuredEndsAt; next += reportEvery) {
            sleepUntil(next);
            long committed = Arrays.stream(running).mapToLong(client -> client.committed.get()).sum();
            double elapsed = (System.nanoTime() - warmUpEnds) / 1e9;
            double interval = (committed - committedBefore) / (reportEvery / 1e9);
            intervalTps.add(interval);
            committedBefore = committed;
            System.out.printf("  %-16s %3d clients: %4.0f s of %d, %d committed (%.1f/s, %.1f/s in the last %d s)%s%n", label,
                    clients, elapsed, settings.measured().toSeconds(), committed, committed / elapsed, interval,
                    settings.reportEvery().toSeconds(), more.get());
        }
        sleepUntil(measuredEndsAt);
        measuredEnds.run();
        if (!done.await(2, java.util.concurrent.TimeUnit.MINUTES)) {
            throw new IllegalStateException(label + ": transfers still running two minutes after the end of the case");
        }
        List<Long> nanos = new ArrayList<>();
        long committed = 0;
        long aborted = 0;
        long failed = 0;
        String firstFailure = "";
        for (Client client : running) {
            committed += client.committed.get();
            aborted += client.aborted;
            failed += client.failed;
            client.latencies.forEach(nanos::add);
            if (firstFailure.isEmpty() && client.firstFailure != null) {
                firstFailure = client.firstFailure;
            }
        }
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Measured(committed, aborted, failed, settings.measured().toNanos() / 1e9, sorted, firstFailure, intervalTps);
    }

    /**
     * Runs {@code transfer} from 16 clients for {@code BENCH_JIT_WARMUP_SECONDS}, counting nothing: once for
     * the services' just-started JVMs, before their first case.
     */
    void warmUp(String label, Transfer transfer) throws InterruptedException {
        if (settings.jitWarmUp().isZero()) {
            return;
        }
        System.out.printf("  %-16s warming up the services' JVMs: %d s at 16 clients, not measured%n", label,
                settings.jitWarmUp().toSeconds());
        BenchSettings quiet = settings.withWarmUpOnly();
        new Workload(quiet).run(label + " (warm-up)", 16, transfer, () -> {
        }, () -> {
        });
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            Thread.sleep(Duration.ofNanos(left));
        }
    }

    /** One client thread. It counts only transfers that start in the measured time. */
    private final class Client implements Runnable {

        final Transfer transfer;
        final long measuredFrom;
        final long measuredUntil;
        final SplittableRandom random;
        final CountDownLatch done;
        final AtomicLong committed = new AtomicLong();
        final List<Long> latencies = new ArrayList<>();
        long aborted;
        long failed;
        String firstFailure;

        Client(Transfer transfer, long measuredFrom, long measuredUntil, SplittableRandom random, CountDownLatch done) {
            this.transfer = transfer;
            this.measuredFrom = measuredFrom;
            this.measuredUntil = measuredUntil;
            this.random = random;
            this.done = done;
        }

        @Override
        public void run() {
            try {
                LongSupplier clock = System::nanoTime;
                for (long started = clock.getAsLong(); started < measuredUntil; started = clock.getAsLong()) {
                    boolean counted = started >= measuredFrom;
                    Outcome outcome = null;
                    String failure = null;
                    try {
                        outcome = transfer.run(random.nextBoolean(), 1 + random.nextInt(settings.drawFrom()),
                                1 + random.nextInt(settings.drawFrom()));
                    } catch (Exception e) {
                        failure = e.toString();
                    }
                    if (!counted) {
                        continue;
                    }
                    latencies.add(clock.getAsLong() - started);
                    if (outcome == Outcome.COMMITTED) {
                        committed.incrementAndGet();
                    } else if (outcome == Outcome.ABORTED) {
                        aborted++;
                    } else {
                        failed++;
                        if (firstFailure == null) {
                            firstFailure = failure;
                        }
                    }
                }
            } finally {
                done.countDown();
            }
        }
    }
}
