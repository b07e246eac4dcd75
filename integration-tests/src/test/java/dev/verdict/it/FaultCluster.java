package dev.verdict.it;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.verdict.coordinator.log.SyncedFiles;
import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.EmbeddedPostgresServer;
import dev.verdict.testsupport.FaultyProxy;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.JavaProcess;
import dev.verdict.testsupport.PackagedApp;
import dev.verdict.testsupport.Ports;
import dev.verdict.testsupport.RestartablePostgres;
import dev.verdict.testsupport.TestCredentials;

/**
 * The system under the randomized fault run: the packaged coordinator and two packaged banks as processes of
 * their own, a faulty proxy in front of each bank's participant endpoints, and three databases.
 */
final class FaultCluster implements AutoCloseable {

    final boolean postgresLog;
    final String logUrl;
    final int coordinatorPort = Ports.free();
    final Map<String, Integer> bankPorts = Map.of("a", Ports.free(), "b", Ports.free());
    /**
     * Each bank's database, on a PostgreSQL server of the banks' own beside either log. Not H2: after a kill -9 while
     * transactions were rolling back, H2 can undo committed updates (src-docs/sdk.md, "H2 participants").
     */
    final Map<String, String> bankDatabases;
    final Map<String, FaultyProxy> proxies;
    /** What the log and the banks hold, read as the checks need it. */
    final ClusterState state;
    static final String BANK_DATABASE_RESTART = "restart of the banks' PostgreSQL";
    /** The request line of the coordinator's commits sent together, counted on the way to each bank. */
    private static final String COMMIT_BATCH = "POST /verdict/participant/commit-batch ";
    /** Both banks' PostgreSQL server. */
    private final RestartablePostgres bankServer;
    final Map<String, JavaProcess> processes = new ConcurrentHashMap<>();
    final Map<String, String> armed = new ConcurrentHashMap<>();
    /** The crash points each process is still to be armed with, one at each of its (re)starts, in this order. */
    private final Map<String, java.util.Deque<String>> toArm = new ConcurrentHashMap<>();
    final List<JavaProcess> all = new ArrayList<>();
    final AtomicInteger crashes = new AtomicInteger();
    /** Transfers committed with a receipt of bank a's branch, and transfers that lost it and rolled back. */
    final AtomicInteger receiptsCommitted = new AtomicInteger();
    final AtomicInteger receiptsLost = new AtomicInteger();
    /** Transfers made in a transaction that the commit or rollback of an earlier one began. */
    final AtomicInteger begunAhead = new AtomicInteger();
    /** Transactions begun with a commit or rollback, each with the moment its answer came, for the next transfer. */
    private final java.util.concurrent.ConcurrentLinkedDeque<Ahead> ahead = new java.util.concurrent.ConcurrentLinkedDeque<>();

    private record Ahead(String id, long answeredAtNanos) {
    }
    final Map<String, Integer> crashLog = new java.util.concurrent.ConcurrentSkipListMap<>();
    final Http coordinator;
    final Path logs = Path.of("target", "random-fault-logs", Long.toString(System.currentTimeMillis()));

    final Path directory;
    final Ledger ledger = new Ledger();

    FaultCluster(boolean postgresLog, long seed, Path directory) {
        this.postgresLog = postgresLog;
        this.directory = directory;
        // the banks' PostgreSQL is a server of their own, so that it can restart without the log's
        this.bankServer = new RestartablePostgres(directory.resolve("banks-postgres"),
                Map.of("max_prepared_transactions", "50", "max_connections", "100"));
        this.bankDatabases = Map.of("a", EmbeddedPostgresServer.newDatabase(bankServer.server(), "random_bank_a"),
                "b", EmbeddedPostgresServer.newDatabase(bankServer.server(), "random_bank_b"));
        this.logUrl = postgresLog ? EmbeddedPostgresServer.newDatabase("random_log")
                : "jdbc:h2:file:" + SyncedFiles.SCHEME + ":" + directory.toAbsolutePath().resolve("verdict-log");
        // between the coordinator and each bank's participant endpoints, and between the banks and the coordinator
        // (registration, outcome inquiries). Calls to a bank that the proxy repeats are signed again, as the
        // coordinator signs a call it repeats, so that they reach the bank's branches, not only its replay check.
        this.proxies = Map.of("a", new FaultyProxy(bankPorts.get("a"), seed).copiesAs(RepeatedCalls::signedAgain).counting(COMMIT_BATCH),
                "b", new FaultyProxy(bankPorts.get("b"), seed + 1).copiesAs(RepeatedCalls::signedAgain).counting(COMMIT_BATCH),
                "coordinator", new FaultyProxy(coordinatorPort, seed + 2).counting("POST /api/v1/registrations "));
        this.state = new ClusterState(postgresLog, logUrl, bankDatabases);
        this.coordinator = TestCredentials.asClient(new Http("http://localhost:" + coordinatorPort));
        start("coordinator", null);
        start("a", null);
        start("b", null);
    }

    void faultRate(double rate) {
        proxies.values().forEach(proxy -> proxy.faultRate(rate));
    }

    /**
     * One transfer as a client makes it: begin, debit, credit, then commit (or rollback if a call failed). Half of
     * the transfers (by the amount's parity, so that a seed repeats them) ask the banks for receipts and carry them
     * to the commit or rollback; bank a answers with one, bank b, which registers before its work, does not. A tenth
     * of those lose bank a's receipt, like an answer lost on the way: the client then rolls back without it, and
     * bank a's prepared branch must be rolled back through its recovery. A third of the commits and rollbacks begin
     * the next transaction too, which a later transfer takes if it starts within a second of that answer, as the SDK
     * does: such a transaction meets the same faults, a coordinator restart included.
     */
    void transfer(String from, long fromAccount, long toAccount, long cents) {
        String to = from.equals("a") ? "b" : "a";
        // as a client would: while the coordinator is down or starting, begin is tried again
        String id = takeAhead();
        if (id == null) {
            id = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                    .pollInterval(java.time.Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> begin(), java.util.Objects::nonNull);
        } else {
            begunAhead.incrementAndGet();
        }
        ledger.begun(id, new Ledger.Transfer(from, fromAccount, to, toAccount, cents));
        List<String> receipts = cents % 2 == 0 ? new java.util.concurrent.CopyOnWriteArrayList<>() : null;
        try {
            boolean worked = call(from, "/accounts/" + fromAccount + "/debit", id, cents, receipts)
                    && call(to, "/accounts/" + toAccount + "/credit", id, cents, receipts);
            if (worked && receipts != null && !receipts.isEmpty() && cents % 20 == 4) {
                receipts.clear();
                worked = false;
                receiptsLost.incrementAndGet();
            }
            String path = "/api/v1/transactions/" + id + (worked ? "/commit" : "/rollback");
            Map<String, Object> body = new java.util.HashMap<>();
            if (receipts != null && !receipts.isEmpty()) {
                body.put("receipts", receipts);
            }
            if (cents % 3 == 0) {
                body.put("next", Map.of("timeoutSeconds", 5));
            }
            Http.Answer answer = body.isEmpty() ? coordinator.post(path) : coordinator.post(path, body);
            if (answer.body() != null && answer.body().has("next")) {
                ahead.add(new Ahead(answer.body().get("next").get("id").asString(), System.nanoTime()));
            }
            if (worked && receipts != null && !receipts.isEmpty() && answer.status() == 200) {
                receiptsCommitted.incrementAndGet();
            }
            ledger.answered(id, answer);
        } catch (UncheckedIOException lost) {
            ledger.lost(id);
        }
    }

    /** A transaction that a commit or rollback began less than a second ago, or null. */
    private String takeAhead() {
        for (Ahead next = ahead.pollFirst(); next != null; next = ahead.pollFirst()) {
            if (System.nanoTime() - next.answeredAtNanos() < 1_000_000_000L) {
                return next.id();
            }
        }
        return null;
    }

    /** A new transaction's id, or null if the coordinator refused (starting, overloaded) or could not be reached. */
    private String begin() {
        Http.Answer begun = coordinator.post("/api/v1/transactions", Map.of("timeoutSeconds", 5));
        return begun.status() == 201 ? begun.text("id") : null;
    }

    private boolean call(String bank, String path, String id, long cents, List<String> receipts) {
        Http http = new Http("http://localhost:" + bankPorts.get(bank)).withHeader("Verdict-Transaction", id);
        Http.Answer answer = (receipts == null ? http : http.withHeader("Verdict-Receipts", "collect"))
                .post(path, Map.of("cents", cents));
        if (receipts != null) {
            receipts.addAll(answer.headers().getOrDefault("verdict-branch-receipt", List.of()));
        }
        return answer.status() == 200;
    }

    private volatile boolean supervising;

    /**
     * Like an orchestrator: while on, a process that dies (killed, or halted at its crash point) is started again
     * as soon as it exits, so that the clients' transfers go on.
     */
    void supervise(boolean on) {
        supervising = on;
        if (on) {
            restartWhateverDied();
        }
    }

    synchronized void kill(String name) {
        JavaProcess process = processes.get(name);
        if (process != null && process.isAlive()) {
            process.kill9();
            record("kill -9 " + name);
        }
    }

    /**
     * Queues crash points for each process: from now on, every (re)start of a process arms the next one of its own,
     * so that arming costs no restart of its own; each point fires once a transfer reaches it.
     */
    synchronized void arm(Map<String, List<String>> crashPoints) {
        crashPoints.forEach((name, points) -> toArm.computeIfAbsent(name, key -> new java.util.ArrayDeque<>()).addAll(points));
    }

    /** The crash points queued or armed that have not fired yet. */
    synchronized List<String> notFired() {
        List<String> pending = new ArrayList<>();
        armed.forEach((name, point) -> pending.add(name + " at " + point));
        toArm.forEach((name, points) -> points.forEach(point -> pending.add(name + " at " + point)));
        return pending;
    }

    /** Restarts the banks' PostgreSQL server under their feet: their connections break, prepared branches stay. */
    void restartBankDatabases() {
        bankServer.restart();
        record(BANK_DATABASE_RESTART);
    }

    synchronized void restartWhateverDied() {
        for (String name : List.of("coordinator", "a", "b")) {
            if (!processes.get(name).isAlive()) {
                String crashPoint = armed.remove(name);
                if (crashPoint != null) {
                    record(name + " at " + crashPoint);
                }
                start(name, nextToArm(name));
            }
        }
    }

    synchronized void disarmEverything() {
        toArm.clear();
        for (String name : List.of("coordinator", "a", "b")) {
            if (armed.remove(name) != null) {
                processes.get(name).kill9();
                start(name, null);
            }
        }
        restartWhateverDied();
    }

    private String nextToArm(String name) {
        java.util.Deque<String> points = toArm.get(name);
        return points == null ? null : points.poll();
    }

    private void record(String crash) {
        crashes.incrementAndGet();
        crashLog.merge(crash, 1, Integer::sum);
    }

    private synchronized void start(String name, String crashPoint) {
        List<String> args = new ArrayList<>();
        PackagedApp app;
        String health;
        if (name.equals("coordinator")) {
            app = PackagedApp.coordinator();
            health = "http://localhost:" + coordinatorPort + "/actuator/health/readiness";
            // prepare and phase-2 timeouts of 1 s: the proxy's delays (0.2 to 1.7 s) then also make prepares that
            // arrive after the abort, and commits or rollbacks that arrive after the coordinator gave up on them
            // and sent them again
            args.addAll(ProcessArguments.coordinator(coordinatorPort, directory, crashPoint).stream()
                    .map(arg -> arg.startsWith("--verdict.coordinator.prepare-timeout=") ? "--verdict.coordinator.prepare-timeout=1s" : arg)
                    .toList());
            args.add("--verdict.coordinator.phase2-timeout=1s");
            args.addAll(List.of("--spring.datasource.url=" + state.jdbcLogUrl(), "--spring.datasource.username=" + state.logUser(),
                    "--spring.datasource.password=" + state.logPassword()));
        } else {
            app = PackagedApp.bank();
            health = "http://localhost:" + bankPorts.get(name) + "/accounts";
            args.addAll(ProcessArguments.bank(name, bankPorts.get(name), bankDatabases.get(name), proxies.get("coordinator").port(),
                    crashPoint));
            args.addAll(List.of(
                    "--verdict.participant.advertised-url=http://localhost:" + proxies.get(name).port() + "/verdict/participant",
                    "--verdict.participant.branch-timeout=20s",
                    // a branch whose receipt was lost is prepared and unknown to the coordinator until the bank asks
                    // about it: soon, so that its row locks do not stop the transfers that follow for long
                    "--verdict.participant.abandoned-branch-check=3s",
                    // bank a prepares as each request ends and registers its branch prepared (the sample's setting),
                    // bank b registers first and answers the coordinator's prepare: both ways, and a transaction
                    // mixing them, meet every fault
                    "--verdict.participant.prepare-at-request-end=" + name.equals("a"),
                    // the start-up check would fail whenever the proxy faults it; registration meets the faults instead
                    "--verdict.verify-coordinator-on-startup=false"));
        }
        if (crashPoint != null) {
            armed.put(name, crashPoint);
        }
        // No keep-alive: every call the coordinator makes opens a connection of its own through the proxy,
        // so every call can meet a fault.
        if (name.equals("coordinator")) {
            args.add("--verdict.coordinator.reuse-connections=false");
        }
        List<String> jvm = new ArrayList<>(ProcessArguments.TEST_JVM);
        JavaProcess process = JavaProcess.start(app, logs.resolve(name + ".log"), jvm, args);
        all.add(process);
        processes.put(name, process);
        process.handle().onExit().thenRunAsync(() -> {
            synchronized (this) {
                if (supervising && processes.get(name) == process) {
                    restartWhateverDied();
                }
            }
        });
        try {
            process.awaitHttp(health);
        } catch (IllegalStateException diedWhileStarting) {
            if (crashPoint == null) {
                throw diedWhileStarting;
            }
            // recovery at start-up reached the armed crash point: that is a crash like any other
            armed.remove(name);
            record(name + " at " + crashPoint + " during start-up");
            start(name, nextToArm(name));
        }
    }

    int networkFaults() {
        return proxies.values().stream().mapToInt(FaultyProxy::faults).sum();
    }

    @Override
    public void close() {
        all.forEach(JavaProcess::close);
        proxies.values().forEach(FaultyProxy::close);
        bankServer.close();
    }
}
