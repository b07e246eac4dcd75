package dev.verdict.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over a thousand concurrent transfers between the two banks (on PostgreSQL, beside either log) while processes
 * die at every named crash point and by {@code kill -9}, and a proxy between coordinator and banks drops, delays
 * and cuts connections. Every crash point fires in every run (it is armed when its process restarts, and the run
 * fails if it never fires); the kills come every other round, their moment and the transfers random; the banks'
 * PostgreSQL server restarts once. The proxies also
 * repeat calls: a copy beside the original, or one delivered seconds later. Afterwards the {@link Ledger} checks every answer a client got, every account of both banks,
 * and every commit marker against the log. {@code -Dverdict.seed=<seed>} repeats a run; {@code FAULT_RUN_ROUNDS}
 * (default 20 rounds of 50 transfers; at least 20 process faults) makes it longer.
 */
class RandomizedFaultsIT {

    /** Every named crash point, by process: each fires once in every 20 rounds, armed as its process restarts. */
    static final Map<String, List<String>> CRASH_POINTS = Map.of(
            "coordinator", List.of("before-decision", "after-decision", "after-first-commit", "after-abort-decision",
                    "after-first-rollback"),
            "a", List.of("after-prepare", "before-commit", "after-commit"),
            "b", List.of("after-prepare", "before-commit", "after-commit"));
    /** Every other round, one of these is killed with kill -9 at a random moment, in turn. */
    private static final List<String> KILLED_IN_TURN = List.of("coordinator", "a", "b");
    private static final int MIN_PROCESS_FAULTS = 20;
    /** In this round (one without a kill), the banks' PostgreSQL server restarts at a random moment. */
    private static final int BANK_DATABASE_RESTART_ROUND = 5;
    private static final int ROUNDS = Integer.parseInt(System.getProperty("verdict.fault.rounds",
            System.getenv().getOrDefault("FAULT_RUN_ROUNDS", "20")));
    private static final int TRANSFERS_PER_ROUND = 50;
    private static final long OPENING_BALANCE = 100_000L;
    /** A transaction id as the coordinator mints them, to find the transactions a violation names. */
    private static final Pattern TRANSACTION_ID = Pattern.compile("node\\d+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    @TempDir
    Path directory;

    @Test
    void transfersStayAtomicThroughCrashesAndNetworkFaultsWithTheH2Log() throws Exception {
        run(false);
    }

    @Test
    void transfersStayAtomicThroughCrashesAndNetworkFaultsWithThePostgresLog() throws Exception {
        run(true);
    }

    private void run(boolean postgresLog) throws Exception {
        long seed = Long.getLong("verdict.seed", System.nanoTime());
        String logName = postgresLog ? "PostgreSQL" : "H2";
        Random random = new Random(seed);
        List<String> violations = new ArrayList<>();
        try (FaultCluster cluster = new FaultCluster(postgresLog, seed, directory)) {
            try {
                cluster.faultRate(0.2);
                cluster.supervise(true);
                for (int round = 0; round < ROUNDS; round++) {
                    if (round % 20 == 0) {
                        cluster.arm(CRASH_POINTS);
                    }
                    Runnable fault = null;
                    if (round % 2 == 0) {
                        String killed = KILLED_IN_TURN.get(round / 2 % KILLED_IN_TURN.size());
                        fault = () -> cluster.kill(killed);
                    } else if (round == BANK_DATABASE_RESTART_ROUND) {
                        fault = cluster::restartBankDatabases;
                    }
                    runTransfers(cluster, random, fault, 100 + random.nextInt(1500));
                }
                cluster.supervise(false);
                cluster.restartWhateverDied();
                cluster.notFired().forEach(fault -> violations.add("the crash point '" + fault + "' never fired"));
                if (ROUNDS > BANK_DATABASE_RESTART_ROUND && !cluster.crashLog.containsKey(FaultCluster.BANK_DATABASE_RESTART)) {
                    violations.add("the banks' PostgreSQL was never restarted");
                }
                cluster.faultRate(0);
                cluster.disarmEverything();
                awaitEverythingFinished(cluster, violations);
                violations.addAll(cluster.ledger.violations(cluster.state.outcomesInLog(),
                        Map.of("a", cluster.state.balances("a"), "b", cluster.state.balances("b")), OPENING_BALANCE,
                        Map.of("a", cluster.state.markers("a"), "b", cluster.state.markers("b")), cluster.state.branchesInLog()));
            } finally {
                report(seed, logName, cluster, violations);
            }
        }
        assertThat(violations).isEmpty();
    }

    private static void awaitEverythingFinished(FaultCluster cluster, List<String> violations) {
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                assertThat(cluster.state.unfinishedInLog()).isZero();
                assertThat(cluster.state.preparedIn("a")).isEmpty();
                assertThat(cluster.state.preparedIn("b")).isEmpty();
            });
        } catch (ConditionTimeoutException stuck) {
            violations.add("2 minutes after the faults stopped, " + cluster.state.unfinishedInLog() + " transactions are unfinished"
                    + " in the log and banks a and b hold " + cluster.state.preparedIn("a").size() + " and "
                    + cluster.state.preparedIn("b").size() + " prepared branches");
        }
    }

    /** The run's one-line summary and what it covered, printed and kept beside the reports, failing runs included. */
    private static void report(long seed, String logName, FaultCluster cluster, List<String> violations) throws Exception {
        long committed = cluster.state.outcomesInLog().values().stream().filter("COMMITTED"::equals).count();
        String summary = String.format("Randomized faults (%s): %d transfers, %d process faults, %d network faults, %d violations%n"
                        + "  seed %d (-Dverdict.seed=%d), %d committed in the log, clients told %s (unknown: %s), faults %s,"
                        + " proxy to bank a: %s; to bank b: %s; from the banks to the coordinator: %s,"
                        + " registrations sent together in %d calls (at least), %d commits with bank a's receipt, %d receipts lost,"
                        + " %d transfers in a transaction begun ahead, commits sent together in %d calls to the banks (at least)%n%s",
                logName, cluster.ledger.transfers(), cluster.crashes.get(), cluster.networkFaults(), violations.size(),
                seed, seed, committed, cluster.ledger.answers(), cluster.ledger.unknownBecause(), cluster.crashLog, cluster.proxies.get("a").summary(),
                cluster.proxies.get("b").summary(), cluster.proxies.get("coordinator").summary(),
                cluster.proxies.get("coordinator").countedRequests(), cluster.receiptsCommitted.get(), cluster.receiptsLost.get(),
                cluster.begunAhead.get(), cluster.proxies.get("a").countedRequests() + cluster.proxies.get("b").countedRequests(),
                violations.stream().limit(20).map(violation -> "  VIOLATION " + violation + "\n").reduce("", String::concat))
                + evidence(cluster, violations);
        System.out.print(summary);
        Files.writeString(Path.of("target", "random-fault-runs.txt"), summary, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        if (!violations.isEmpty()) {
            keepTraceFiles(cluster);
        }
        assertThat(cluster.crashes.get()).as("process faults").isGreaterThanOrEqualTo(Math.min(MIN_PROCESS_FAULTS, ROUNDS));
        assertThat(cluster.networkFaults()).as("network faults").isPositive();
        assertThat(cluster.proxies.get("a").copiesAnswered() + cluster.proxies.get("b").copiesAnswered())
                .as("coordinator calls repeated at once or later that reached a bank").isPositive();
        assertThat(committed).as("committed transfers").isPositive();
        assertThat(cluster.proxies.get("coordinator").countedRequests()).as("calls that carried several registrations")
                .isPositive();
        assertThat(cluster.receiptsCommitted.get()).as("transfers committed with a receipt instead of a registration").isPositive();
        assertThat(cluster.receiptsLost.get()).as("receipts lost on the way, left to the bank's recovery").isPositive();
        assertThat(cluster.begunAhead.get()).as("transfers in a transaction begun with an earlier one's commit or rollback")
                .isPositive();
        // Commits sent together are reported, not required: with four clients, commits to one bank overlap only now
        // and then (two to five such calls a run), and a restarted coordinator learns again which banks take them.
    }

    /** H2's own trace files (its errors, if it logged any), kept beside the run's process logs before the folder goes. */
    private static void keepTraceFiles(FaultCluster cluster) throws Exception {
        try (var traces = Files.newDirectoryStream(cluster.directory, "*.trace.db")) {
            for (Path trace : traces) {
                Files.copy(trace, cluster.logs.resolve(trace.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** What the databases hold of the transactions that the violations name (ten at most), for the search of a cause. */
    private static String evidence(FaultCluster cluster, List<String> violations) {
        Set<String> named = new LinkedHashSet<>();
        violations.forEach(violation -> TRANSACTION_ID.matcher(violation).results().forEach(match -> named.add(match.group())));
        StringBuilder evidence = new StringBuilder();
        named.stream().limit(10).forEach(id -> {
            try {
                cluster.state.evidence(id).forEach(line -> evidence.append("  EVIDENCE ").append(id).append(" ").append(line).append('\n'));
            } catch (RuntimeException e) {
                evidence.append("  EVIDENCE ").append(id).append(" could not be read: ").append(e).append('\n');
            }
        });
        return evidence.toString();
    }

    /** Four clients making transfers at once, and maybe a process fault at an arbitrary moment among them. */
    private static void runTransfers(FaultCluster cluster, Random random, Runnable fault, int faultAfterMillis) throws Exception {
        List<Future<?>> transfers = new ArrayList<>();
        try (ExecutorService clients = Executors.newFixedThreadPool(4)) {
            if (fault != null) {
                clients.submit(() -> {
                    // the moment of the fault is random: this wait is that moment, not a stand-in for a condition
                    TimeUnit.MILLISECONDS.sleep(faultAfterMillis);
                    fault.run();
                    return null;
                });
            }
            for (int i = 0; i < TRANSFERS_PER_ROUND; i++) {
                String from = random.nextBoolean() ? "a" : "b";
                long fromAccount = 1 + random.nextInt(5);
                long toAccount = 1 + random.nextInt(5);
                long cents = 1 + random.nextInt(30_00);
                transfers.add(clients.submit(() -> cluster.transfer(from, fromAccount, toAccount, cents)));
            }
        }
        for (Future<?> transfer : transfers) {
            transfer.get();
        }
    }
}
