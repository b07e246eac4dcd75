package dev.verdict.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.util.FileSystemUtils;

import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.EmbeddedPostgresServer;
import dev.verdict.testsupport.JavaProcess;
import dev.verdict.testsupport.PackagedApp;
import dev.verdict.testsupport.TestCredentials;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The system under test, as users run it: a real PostgreSQL server (embedded binaries, two-phase commit on,
 * every commit forced to disk), the packaged coordinator on its H2 or PostgreSQL log, and the two packaged
 * banks, each on a database of its own.
 */
final class Services implements AutoCloseable {

    static final long OPENING_BALANCE = 1_000_00;

    private final BenchSettings settings;
    private final Path directory;
    private final EmbeddedPostgres postgres;
    private final Map<String, String> bankDatabases;
    private final String postgresLog;
    private final int coordinatorPort;
    private final Map<String, Integer> bankPorts;
    private final List<JavaProcess> banks = new ArrayList<>();
    private @Nullable JavaProcess coordinator;
    private int coordinatorStarts;

    Services(BenchSettings settings, int coordinatorPort, Map<String, Integer> bankPorts) {
        this.settings = settings;
        this.coordinatorPort = coordinatorPort;
        this.bankPorts = bankPorts;
        this.directory = settings.output().toAbsolutePath();
        FileSystemUtils.deleteRecursively(directory.resolve("h2-log").toFile());
        FileSystemUtils.deleteRecursively(directory.resolve("h2-banks").toFile());
        // synchronous_commit on: a commit, and so a logged decision, waits for its WAL to reach the disk.
        postgres = EmbeddedPostgresServer.start(Map.of("max_prepared_transactions", "300", "max_connections", "500",
                "synchronous_commit", "on", "fsync", "on", "shared_buffers", "128MB"));
        postgresLog = EmbeddedPostgresServer.newDatabase(postgres, "verdict_log");
        bankDatabases = settings.postgresBanks()
                ? Map.of("a", EmbeddedPostgresServer.newDatabase(postgres, "bank_a"),
                        "b", EmbeddedPostgresServer.newDatabase(postgres, "bank_b"))
                : Map.of("a", h2Bank("a"), "b", h2Bank("b"));
    }

    private String h2Bank(String bank) {
        // AUTO_SERVER: the bank holds the file, and the benchmark's own connections (Atomikos, the balance
        // check) go through the bank's server.
        return "jdbc:h2:file:" + directory.resolve("h2-banks").resolve("bank-" + bank) + ";WRITE_DELAY=0;AUTO_SERVER=TRUE";
    }

    /** Starts the banks and gives each of them {@code accounts} accounts. */
    void startBanks() {
        for (String bank : List.of("a", "b")) {
            List<String> arguments = new ArrayList<>(List.of("--spring.profiles.active=" + bank, "--server.port=" + bankPorts.get(bank),
                    "--spring.datasource.url=" + bankDatabases.get(bank),
                    "--spring.datasource.username=" + user(bank), "--spring.datasource.password=" + password(bank),
                    "--verdict.coordinator-url=http://localhost:" + coordinatorPort,
                    "--verdict.verify-coordinator-on-startup=false",
                    "--management.endpoints.web.exposure.include=health,metrics",
                    "--verdict.token=" + TestCredentials.PARTICIPANT_TOKEN,
                    "--verdict.participant.signing-secret=" + TestCredentials.SIGNING_SECRET));
            arguments.addAll(settings.bankArguments());
            JavaProcess process = JavaProcess.start(PackagedApp.bank(), directory.resolve("bank-" + bank + ".log"),
                    List.of("-Xmx512m"), arguments);
            banks.add(process);
            process.awaitHttp(bankUrl(bank) + "/accounts", Duration.ofMinutes(2));
            openAccounts(bank);
        }
    }

    private void openAccounts(String bank) {
        String series = settings.postgresBanks() ? "generate_series(6, " + settings.accounts() + ")"
                : "SYSTEM_RANGE(6, " + settings.accounts() + ")";
        String column = settings.postgresBanks() ? "g" : "X";
        execute(bank, "INSERT INTO account (id, owner, balance) SELECT " + column + ", 'holder ' || " + column + ", "
                + OPENING_BALANCE + " FROM " + series + (settings.postgresBanks() ? " g" : "") + " WHERE " + column
                + " > (SELECT MAX(id) FROM account)");
    }

    /** (Re)starts the coordinator on the H2 file log or on the PostgreSQL log, fresh, and waits until it is ready. */
    JavaProcess startCoordinator(boolean postgresLogChosen, String label) {
        return startCoordinator(postgresLogChosen, label, List.of());
    }

    /** As {@link #startCoordinator(boolean, String)}, with more arguments for the coordinator. */
    JavaProcess startCoordinator(boolean postgresLogChosen, String label, List<String> more) {
        stopCoordinator();
        List<String> jvm = new ArrayList<>(List.of("-Xmx512m"));
        if (settings.profile()) {
            // CPU-time samples (JDK 25, Linux) count what burns the processor; the profile's execution
            // samples alone under-count threads that are busy only in short bursts.
            jvm.add("-XX:StartFlightRecording=filename=" + directory.resolve("coordinator-" + label + ".jfr")
                    + ",settings=profile,dumponexit=true"
                    + (Runtime.version().feature() >= 25 ? ",jdk.CPUTimeSample#enabled=true,jdk.CPUTimeSample#throttle=1ms" : ""));
        }
        List<String> arguments = new ArrayList<>(List.of("--server.port=" + coordinatorPort,
                "--verdict.coordinator.data-dir=" + directory.resolve("h2-log").resolve(Integer.toString(++coordinatorStarts))));
        if (postgresLogChosen) {
            arguments.addAll(List.of("--spring.datasource.url=" + postgresLog, "--spring.datasource.username=postgres",
                    "--spring.datasource.password=postgres"));
        }
        arguments.addAll(TestCredentials.coordinatorArguments());
        arguments.addAll(more);
        arguments.addAll(settings.coordinatorArguments());
        coordinator = JavaProcess.start(PackagedApp.coordinator(), directory.resolve("coordinator-" + label + ".log"), jvm, arguments);
        coordinator.awaitHttp("http://localhost:" + coordinatorPort + "/actuator/health/readiness", Duration.ofMinutes(2));
        return coordinator;
    }

    /** The process of bank {@code name} ("a" or "b"), once started. */
    JavaProcess bank(String name) {
        return banks.get(name.equals("a") ? 0 : 1);
    }

    void stopCoordinator() {
        if (coordinator != null) {
            coordinator.stop();
            coordinator = null;
        }
    }

    String coordinatorUrl() {
        return "http://localhost:" + coordinatorPort;
    }

    String bankUrl(String bank) {
        return "http://localhost:" + bankPorts.get(bank);
    }

    String bankDatabase(String bank) {
        return bankDatabases.get(bank);
    }

    String user(String bank) {
        return settings.postgresBanks() ? "postgres" : "bank";
    }

    String password(String bank) {
        return settings.postgresBanks() ? "postgres" : "";
    }

    /** The sum of every balance in both banks, read from their databases. */
    long totalBalance() {
        return Databases.queryLong(bankDatabases.get("a"), user("a"), password("a"), "SELECT SUM(balance) FROM account")
                + Databases.queryLong(bankDatabases.get("b"), user("b"), password("b"), "SELECT SUM(balance) FROM account");
    }

    long expectedTotal() {
        return 2L * settings.accounts() * OPENING_BALANCE;
    }

    private void execute(String bank, String sql) {
        try (Connection connection = Databases.open(bankDatabases.get(bank), user(bank), password(bank));
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed in bank " + bank, e);
        }
    }

    @Override
    public void close() {
        stopCoordinator();
        banks.forEach(JavaProcess::stop);
        try {
            postgres.close();
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
