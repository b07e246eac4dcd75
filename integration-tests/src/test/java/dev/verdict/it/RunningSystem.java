package dev.verdict.it;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.verdict.coordinator.CoordinatorApplication;
import dev.verdict.participant.BranchManager;
import dev.verdict.participant.autoconfigure.GlobalTransactions;
import dev.verdict.samples.bank.BankApplication;
import dev.verdict.samples.transfer.TransferClientApplication;
import dev.verdict.samples.transfer.Transfers;
import dev.verdict.testsupport.Databases;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.TestCredentials;

/**
 * The coordinator, two banks and the transfer client, each a Spring application of its own on real
 * ports, talking real HTTP, each bank with a database of its own.
 */
final class RunningSystem implements AutoCloseable {

    final ConfigurableApplicationContext coordinator;
    final Bank bankA;
    final Bank bankB;
    final ConfigurableApplicationContext client;
    final String coordinatorUrl;

    record Bank(ConfigurableApplicationContext context, String url, String databaseUrl, String user, String password) {

        long balance(long account) {
            return Databases.queryLong(databaseUrl, user, password, "SELECT balance FROM account WHERE id = " + account);
        }

        long total() {
            return Databases.queryLong(databaseUrl, user, password, "SELECT SUM(balance) FROM account");
        }

        List<String> preparedTransactions() {
            return Databases.preparedTransactions(databaseUrl, user, password);
        }

        int openBranches() {
            return context.getBean(BranchManager.class).openBranches();
        }
    }

    RunningSystem(List<String> coordinatorLog, String bankADatabase, String bankBDatabase, String bankUser, String bankPassword) {
        List<String> coordinatorArgs = new ArrayList<>(List.of("--server.port=0",
                "--verdict.coordinator.recovery-interval=200ms",
                "--verdict.coordinator.prepare-timeout=5s",
                "--resilience4j.retry.instances.phase2.wait-duration=10ms"));
        coordinatorArgs.addAll(coordinatorLog);
        coordinatorArgs.addAll(TestCredentials.coordinatorArguments());
        coordinator = new SpringApplicationBuilder(CoordinatorApplication.class).run(coordinatorArgs.toArray(String[]::new));
        coordinatorUrl = "http://localhost:" + coordinator.getEnvironment().getProperty("local.server.port");
        new Http(coordinatorUrl).awaitStatus("/actuator/health/readiness", 200);
        bankA = bank("a", bankADatabase, bankUser, bankPassword);
        bankB = bank("b", bankBDatabase, bankUser, bankPassword);
        client = new SpringApplicationBuilder(TransferClientApplication.class).web(WebApplicationType.NONE).run(
                "--spring.config.name=transfer-client",
                "--spring.autoconfigure.exclude=org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration,"
                        + "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
                "--transfer.demo=false",
                "--verdict.coordinator-url=" + coordinatorUrl,
                "--transfer.bank-a-url=" + bankA.url(),
                "--transfer.bank-b-url=" + bankB.url(),
                "--verdict.token=" + TestCredentials.CLIENT_TOKEN,
                "--verdict.propagate-to=localhost");
    }

    private Bank bank(String profile, String databaseUrl, String user, String password) {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(BankApplication.class).run(TestCredentials.with(List.of(
                "--spring.config.name=bank",
                "--spring.profiles.active=" + profile,
                "--server.port=0",
                "--spring.datasource.url=" + databaseUrl,
                "--spring.datasource.username=" + user,
                "--spring.datasource.password=" + password,
                "--verdict.coordinator-url=" + coordinatorUrl,
                "--verdict.participant.lock-wait-timeout=1s",
                // bank a prepares as each request ends (the sample's setting), bank b registers first and answers
                // prepare: every transfer mixes the two
                "--verdict.participant.prepare-at-request-end=" + profile.equals("a")), TestCredentials.participantArguments())
                .toArray(String[]::new));
        String url = "http://localhost:" + context.getEnvironment().getProperty("local.server.port");
        return new Bank(context, url, databaseUrl, user, password);
    }

    Transfers transfers() {
        return client.getBean(Transfers.class);
    }

    GlobalTransactions transactions() {
        return client.getBean(GlobalTransactions.class);
    }

    @Override
    public void close() {
        client.close();
        bankA.context().close();
        bankB.context().close();
        coordinator.close();
    }
}
