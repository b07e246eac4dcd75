package dev.verdict.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.verdict.it.EndState.Database;
import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.EmbeddedPostgresServer;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.TestCredentials;
import dev.verdict.testsupport.JavaProcess;
import dev.verdict.testsupport.PackagedApp;
import dev.verdict.testsupport.Ports;

/**
 * The packaged coordinator, as users run it, killed with {@code kill -9} and started again many times while
 * clients keep sending full transactions. Its JVM is limited to one processor on every other start and to
 * two on the others (bank a runs on one, bank b on two). Every start must be ready, its start-up recovery
 * done, within 60 seconds, and then commit transfers; a start that hangs leaves a thread dump beside its log.
 * In the end every transaction is committed in every bank or in none, as its client was told, and no money
 * is lost. {@code -Dverdict.restarts=N} makes more restarts, {@code -Dverdict.seed} repeats a run.
 */
class CoordinatorRestartUnderLoadIT {

    private static final Duration START_BOUND = Duration.ofSeconds(60);
    private static final int ACCOUNTS = 5;

    @TempDir
    Path directory;

    final Path logs = Path.of("target", "restart-logs", Long.toString(System.currentTimeMillis()));
    final int coordinatorPort = Ports.free();
    final String coordinatorUrl = "http://localhost:" + coordinatorPort;
    final Map<String, Integer> bankPorts = Map.of("a", Ports.free(), "b", Ports.free());
    final Map<String, String> bankDatabases = Map.of("a", EmbeddedPostgresServer.newDatabase("restart_bank_a"),
            "b", EmbeddedPostgresServer.newDatabase("restart_bank_b"));
    final List<JavaProcess> processes = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        processes.forEach(JavaProcess::close);
    }

    @Test
    void everyStartUnderLoadGetsReadyAndTransfersStayAtomic() throws Exception {
        int restarts = Integer.getInteger("verdict.restarts", 50);
        long seed = Long.getLong("verdict.seed", System.nanoTime());
        Random random = new Random(seed);
        List<Long> readyMillis = new ArrayList<>();
        int[] startsOn = new int[3];
        JavaProcess coordinator = startCoordinator(2);
        startBank("a", 1);
        startBank("b", 2);
        long moneyBefore = totalBalance();

        TransferClients clients = new TransferClients(coordinatorUrl, Map.of("a", bankUrl("a"), "b", bankUrl("b")),
                ACCOUNTS, 4, seed);
        try {
            for (int restart = 1; restart <= restarts; restart++) {
                int committedBefore = clients.committed();
                await().atMost(START_BOUND).until(() -> clients.committed() >= committedBefore + 2);
                Thread.sleep(random.nextInt(500)); // the fault: a kill at an arbitrary moment of the traffic
                coordinator.kill9();

                int processors = 1 + restart % 2;
                long started = System.nanoTime();
                coordinator = startCoordinator(processors);
                readyMillis.add(Duration.ofNanos(System.nanoTime() - started).toMillis());
                startsOn[processors]++;
            }
        } finally {
            clients.close();
        }

        Http operator = TestCredentials.asOperator(new Http(coordinatorUrl));
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Http.Answer overview = operator.get("/api/v1/admin/overview");
            assertThat(overview.status()).isEqualTo(200);
            assertThat(overview.body().path("counts").path("ACTIVE").asLong() + overview.body().path("inDoubt").asLong()).isZero();
            assertThat(Databases.preparedTransactions(bankDatabases.get("a"), "postgres", "postgres")).isEmpty();
            assertThat(Databases.preparedTransactions(bankDatabases.get("b"), "postgres", "postgres")).isEmpty();
        });
        coordinator.kill9(); // frees the H2 log file for reading
        EndState end = new EndState(new Database("jdbc:h2:file:" + directory.toAbsolutePath().resolve("verdict-log"),
                "verdict", ""), Map.of("bank-a", Database.of(bankDatabases.get("a")), "bank-b", Database.of(bankDatabases.get("b"))));

        String summary = String.format("Coordinator restarts under load (seed %d): %d restarts (%d on 1 processor, %d on 2),"
                + " ready after %s ms (median %d, max %d); %d transactions (%d committed, %d aborted), %d answered committed%n",
                seed, restarts, startsOn[1], startsOn[2], readyMillis, median(readyMillis),
                readyMillis.stream().mapToLong(Long::longValue).max().orElse(0), end.states().size(),
                end.count("COMMITTED"), end.count("ABORTED"), clients.committed());
        System.out.print(summary);
        Files.writeString(Path.of("target", "restart-runs.txt"), summary, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        assertThat(end.violations()).isEmpty();
        assertThat(clients.contradictions(end)).isEmpty();
        assertThat(totalBalance()).isEqualTo(moneyBefore);
        assertThat(end.count("COMMITTED")).isGreaterThanOrEqualTo(2L * restarts);
    }

    /** Starts the packaged coordinator on {@code processors} processors and waits until it is ready. */
    private JavaProcess startCoordinator(int processors) {
        JavaProcess process = JavaProcess.start(PackagedApp.coordinator(), logs.resolve("coordinator.log"),
                List.of("-XX:ActiveProcessorCount=" + processors), ProcessArguments.coordinator(coordinatorPort, directory, null));
        processes.add(process);
        return process.awaitHttp(coordinatorUrl + "/actuator/health/readiness", START_BOUND);
    }

    private void startBank(String bank, int processors) {
        JavaProcess process = JavaProcess.start(PackagedApp.bank(), logs.resolve("bank-" + bank + ".log"),
                List.of("-XX:ActiveProcessorCount=" + processors),
                ProcessArguments.bank(bank, bankPorts.get(bank), bankDatabases.get(bank), coordinatorPort, null));
        processes.add(process);
        process.awaitHttp(bankUrl(bank) + "/accounts", START_BOUND);
    }

    private String bankUrl(String bank) {
        return "http://localhost:" + bankPorts.get(bank);
    }

    private long totalBalance() {
        return Databases.queryLong(bankDatabases.get("a"), "postgres", "postgres", "SELECT SUM(balance) FROM account")
                + Databases.queryLong(bankDatabases.get("b"), "postgres", "postgres", "SELECT SUM(balance) FROM account");
    }

    private static long median(List<Long> values) {
        return values.isEmpty() ? 0 : values.stream().sorted().toList().get(values.size() / 2);
    }
}
