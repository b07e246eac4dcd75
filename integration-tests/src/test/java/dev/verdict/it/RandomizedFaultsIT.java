package dev.verdict.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.EmbeddedPostgresServer;
import dev.verdict.testsupport.FaultyProxy;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.JavaProcess;
import dev.verdict.testsupport.PackagedApp;
import dev.verdict.testsupport.Ports;

/**
 * Many concurrent transfers between the two banks (PostgreSQL) while processes die at crash points and
 * by {@code kill -9}, and a proxy between coordinator and banks drops, delays and cuts connections.
 * After everything is back and recovery has run: every transaction is committed in every branch or in
 * none (the commit markers in each bank's database say which), the money is all there, nothing is left
 * prepared, and nothing is stuck in the log. Run it again with {@code -Dverdict.seed=<seed>}.
 */
class RandomizedFaultsIT {

    private static final int ROUNDS = 5;
    private static final int TRANSFERS_PER_ROUND = 12;
    private static final List<String> COORDINATOR_CRASH_POINTS = List.of("before-decision", "after-decision", "after-first-commit");
    private static final List<String> BANK_CRASH_POINTS = List.of("after-prepare", "after-commit");

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
        System.out.println("Randomized fault run (" + (postgresLog ? "PostgreSQL" : "H2") + " log): -Dverdict.seed=" + seed);
        Random random = new Random(seed);
        try (Cluster cluster = new Cluster(postgresLog, seed)) {
            Map<String, Boolean> clientSaw = new ConcurrentHashMap<>();
            for (int round = 1; round <= ROUNDS; round++) {
                cluster.faultRate(0.2);
                int action = 1 + random.nextInt(4);
                switch (action) {
                    case 1 -> cluster.restartCoordinator(pick(random, COORDINATOR_CRASH_POINTS));
                    case 2 -> cluster.restartBank(random.nextBoolean() ? "a" : "b", pick(random, BANK_CRASH_POINTS));
                    default -> {
                    }
                }
                ScheduledKill kill = switch (action) {
                    case 3 -> new ScheduledKill("coordinator", 100 + random.nextInt(1500));
                    case 4 -> new ScheduledKill(random.nextBoolean() ? "a" : "b", 100 + random.nextInt(1500));
                    default -> null;
                };
                runTransfers(cluster, random, kill, clientSaw);
                cluster.restartWhateverDied();
            }
            cluster.faultRate(0);
            cluster.disarmEverything();

            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                assertThat(cluster.unfinishedInLog()).isZero();
                assertThat(cluster.preparedIn("a")).isEmpty();
                assertThat(cluster.preparedIn("b")).isEmpty();
            });
            Map<String, String> outcomes = cluster.outcomesInLog();
            for (Map.Entry<String, List<String[]>> transaction : cluster.branchesInLog().entrySet()) {
                String state = outcomes.get(transaction.getKey());
                for (String[] branch : transaction.getValue()) {
                    boolean markerThere = cluster.markerExists(branch[1].equals("bank-a") ? "a" : "b",
                            transaction.getKey(), branch[0]);
                    assertThat(markerThere).as("transaction %s is %s; branch %s at %s", transaction.getKey(), state,
                            branch[0], branch[1]).isEqualTo(state.equals("COMMITTED"));
                }
            }
            clientSaw.forEach((id, committed) -> {
                if (committed) {
                    assertThat(outcomes.get(id)).as("the client was told %s committed", id).isEqualTo("COMMITTED");
                }
            });
            assertThat(cluster.totalBalance()).isEqualTo(2 * 5 * 100_000L);
            long committed = outcomes.values().stream().filter("COMMITTED"::equals).count();
            String summary = String.format("Randomized fault run (seed %d, %s log): %d transactions (%d committed, %d aborted),"
                    + " %d crashes (%s), proxy to bank a: %s; to bank b: %s%n", seed, postgresLog ? "PostgreSQL" : "H2",
                    outcomes.size(), committed, outcomes.size() - committed, cluster.crashes.get(), cluster.crashLog,
                    cluster.proxies.get("a").summary(), cluster.proxies.get("b").summary());
            System.out.print(summary);
            // kept beside the reports, so that CI can show what each run covered
            Files.writeString(Path.of("target", "random-fault-runs.txt"), summary, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            assertThat(committed).isPositive();
        }
    }

    private record ScheduledKill(String target, int afterMillis) {
    }

    private static void runTransfers(Cluster cluster, Random random, ScheduledKill kill, Map<String, Boolean> clientSaw)
            throws Exception {
        List<Future<?>> transfers = new ArrayList<>();
        try (ExecutorService clients = Executors.newFixedThreadPool(4)) {
            if (kill != null) {
                clients.submit(() -> {
                    // the fault: a process dies at an arbitrary moment while transfers are in flight
                    TimeUnit.MILLISECONDS.sleep(kill.afterMillis());
                    cluster.kill(kill.target());
                    return null;
                });
            }
            for (int i = 0; i < TRANSFERS_PER_ROUND; i++) {
                String from = random.nextBoolean() ? "a" : "b";
                long fromAccount = 1 + random.nextInt(5);
                long toAccount = 1 + random.nextInt(5);
                long cents = 1 + random.nextInt(30_00);
                transfers.add(clients.submit(() -> cluster.transfer(from, fromAccount, toAccount, cents, clientSaw)));
            }
        }
        for (Future<?> transfer : transfers) {
            transfer.get();
        }
    }

    private static String pick(Random random, List<String> choices) {
        return choices.get(random.nextInt(choices.size()));
    }

    /** Three processes, two proxies, three databases. */
    private final class Cluster implements AutoCloseable {

        final boolean postgresLog;
        final String logUrl;
        final int coordinatorPort = Ports.free();
        final Map<String, Integer> bankPorts = Map.of("a", Ports.free(), "b", Ports.free());
        final Map<String, String> bankDatabases = Map.of("a", EmbeddedPostgresServer.newDatabase("random_bank_a"),
                "b", EmbeddedPostgresServer.newDatabase("random_bank_b"));
        final Map<String, FaultyProxy> proxies;
        final Map<String, JavaProcess> processes = new ConcurrentHashMap<>();
        final Map<String, String> armed = new ConcurrentHashMap<>();
        final List<JavaProcess> all = new ArrayList<>();
        final AtomicInteger crashes = new AtomicInteger();
        final Map<String, Integer> crashLog = new LinkedHashMap<>();
        final Http coordinator;
        final Path logs = Path.of("target", "random-fault-logs", Long.toString(System.currentTimeMillis()));

        Cluster(boolean postgresLog, long seed) {
            this.postgresLog = postgresLog;
            this.logUrl = postgresLog ? EmbeddedPostgresServer.newDatabase("random_log")
                    : "jdbc:h2:file:" + directory.toAbsolutePath().resolve("verdict-log");
            this.proxies = Map.of("a", new FaultyProxy(bankPorts.get("a"), seed), "b", new FaultyProxy(bankPorts.get("b"), seed + 1));
            this.coordinator = new Http("http://localhost:" + coordinatorPort);
            start("coordinator", null);
            start("a", null);
            start("b", null);
        }

        void faultRate(double rate) {
            proxies.values().forEach(proxy -> proxy.faultRate(rate));
        }

        void transfer(String from, long fromAccount, long toAccount, long cents, Map<String, Boolean> clientSaw) {
            String to = from.equals("a") ? "b" : "a";
            String id;
            try {
                Http.Answer begun = coordinator.post("/api/v1/transactions", Map.of("timeoutSeconds", 5));
                if (begun.status() != 201) {
                    return;
                }
                id = begun.text("id");
            } catch (UncheckedIOException coordinatorDown) {
                return;
            }
            try {
                boolean worked = call(from, "/accounts/" + fromAccount + "/debit", id, cents)
                        && call(to, "/accounts/" + toAccount + "/credit", id, cents);
                Http.Answer outcome = coordinator.post("/api/v1/transactions/" + id + (worked ? "/commit" : "/rollback"));
                clientSaw.put(id, worked && outcome.status() == 200 && "COMMITTED".equals(outcome.text("status")));
            } catch (UncheckedIOException lost) {
                clientSaw.putIfAbsent(id, false);
            }
        }

        private boolean call(String bank, String path, String id, long cents) {
            return new Http("http://localhost:" + bankPorts.get(bank)).withHeader("Verdict-Transaction", id)
                    .post(path, Map.of("cents", cents)).status() == 200;
        }

        void kill(String name) {
            JavaProcess process = processes.get(name);
            if (process != null && process.isAlive()) {
                process.kill9();
                record("kill -9 " + name);
            }
        }

        void restartCoordinator(String crashPoint) {
            processes.get("coordinator").kill9();
            start("coordinator", crashPoint);
        }

        void restartBank(String bank, String crashPoint) {
            processes.get(bank).kill9();
            start(bank, crashPoint);
        }

        void restartWhateverDied() {
            for (String name : List.of("coordinator", "a", "b")) {
                if (!processes.get(name).isAlive()) {
                    String crashPoint = armed.remove(name);
                    if (crashPoint != null) {
                        record(name + " at " + crashPoint);
                    }
                    start(name, null);
                }
            }
        }

        void disarmEverything() {
            for (String name : List.of("coordinator", "a", "b")) {
                if (armed.remove(name) != null) {
                    processes.get(name).kill9();
                    start(name, null);
                }
            }
            restartWhateverDied();
        }

        private void record(String crash) {
            crashes.incrementAndGet();
            crashLog.merge(crash, 1, Integer::sum);
        }

        private void start(String name, String crashPoint) {
            List<String> args = new ArrayList<>();
            PackagedApp app;
            String health;
            if (name.equals("coordinator")) {
                app = PackagedApp.coordinator();
                health = "http://localhost:" + coordinatorPort + "/actuator/health/readiness";
                args.addAll(ProcessArguments.coordinator(coordinatorPort, directory, crashPoint));
                args.addAll(List.of("--spring.datasource.url=" + logUrl(), "--spring.datasource.username=" + logUser(),
                        "--spring.datasource.password=" + logPassword()));
            } else {
                app = PackagedApp.bank();
                health = "http://localhost:" + bankPorts.get(name) + "/accounts";
                args.addAll(ProcessArguments.bank(name, bankPorts.get(name), bankDatabases.get(name), coordinatorPort, crashPoint));
                args.addAll(List.of(
                        "--verdict.participant.advertised-url=http://localhost:" + proxies.get(name).port() + "/verdict/participant",
                        "--verdict.participant.branch-timeout=20s"));
            }
            if (crashPoint != null) {
                armed.put(name, crashPoint);
            }
            // No keep-alive: every call the coordinator makes opens a connection of its own through the proxy,
            // so every call can meet a fault.
            List<String> jvm = new ArrayList<>(ProcessArguments.TEST_JVM);
            jvm.add("-Djdk.httpclient.keepalive.timeout=0");
            JavaProcess process = JavaProcess.start(app, logs.resolve(name + ".log"), jvm, args);
            all.add(process);
            processes.put(name, process);
            try {
                process.awaitHttp(health);
            } catch (IllegalStateException diedWhileStarting) {
                if (crashPoint == null) {
                    throw diedWhileStarting;
                }
                // recovery at start-up reached the armed crash point: that is a crash like any other
                armed.remove(name);
                record(name + " at " + crashPoint + " during start-up");
                start(name, null);
            }
        }

        long unfinishedInLog() {
            return Databases.strings(logUrl(), logUser(), logPassword(),
                    "SELECT id FROM global_transaction WHERE state NOT IN ('COMMITTED', 'ABORTED')").size();
        }

        Map<String, String> outcomesInLog() {
            Map<String, String> outcomes = new LinkedHashMap<>();
            for (String row : Databases.strings(logUrl(), logUser(), logPassword(),
                    "SELECT id || ' ' || state FROM global_transaction")) {
                String[] parts = row.split(" ");
                outcomes.put(parts[0], parts[1]);
            }
            return outcomes;
        }

        /** Each transaction's branches as {branch id, participant name}. */
        Map<String, List<String[]>> branchesInLog() {
            Map<String, List<String[]>> branches = new LinkedHashMap<>();
            for (String row : Databases.strings(logUrl(), logUser(), logPassword(),
                    "SELECT transaction_id || ' ' || id || ' ' || participant_name FROM branch")) {
                String[] parts = row.split(" ");
                branches.computeIfAbsent(parts[0], key -> new ArrayList<>()).add(new String[] {parts[1], parts[2]});
            }
            return branches;
        }

        boolean markerExists(String bank, String transactionId, String branchId) {
            return Databases.queryLong(bankDatabases.get(bank), "postgres", "postgres",
                    "SELECT COUNT(*) FROM verdict_committed_branch WHERE transaction_id = '" + transactionId
                            + "' AND branch_id = '" + branchId + "'") > 0;
        }

        List<String> preparedIn(String bank) {
            return Databases.preparedTransactions(bankDatabases.get(bank), "postgres", "postgres");
        }

        long totalBalance() {
            return Databases.queryLong(bankDatabases.get("a"), "postgres", "postgres", "SELECT SUM(balance) FROM account")
                    + Databases.queryLong(bankDatabases.get("b"), "postgres", "postgres", "SELECT SUM(balance) FROM account");
        }

        /** The H2 log is read through its own server mode while the coordinator holds the file. */
        private String logUrl() {
            return postgresLog ? logUrl : logUrl + ";WRITE_DELAY=0;AUTO_SERVER=TRUE";
        }

        private String logUser() {
            return postgresLog ? "postgres" : "verdict";
        }

        private String logPassword() {
            return postgresLog ? "postgres" : "";
        }

        @Override
        public void close() {
            all.forEach(JavaProcess::close);
            proxies.values().forEach(FaultyProxy::close);
        }
    }
}
