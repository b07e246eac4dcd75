package dev.verdict.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;

import org.assertj.core.api.Condition;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;

import dev.verdict.samples.bank.BankApplication;
import dev.verdict.testsupport.EmbeddedPostgresServer;
import dev.verdict.testsupport.TestCredentials;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/** A misconfigured participant refuses to start, and says how to fix it. */
class StartupChecksIntegrationTests {

    @Test
    void aParticipantOnPostgresWithoutPreparedTransactionsFailsAtStartupSayingHowToFixIt() throws Exception {
        try (EmbeddedPostgres noTwoPhaseCommit = EmbeddedPostgresServer.start(0)) {
            String url = EmbeddedPostgresServer.newDatabase(noTwoPhaseCommit, "bank");

            Throwable failure = catchThrowable(() -> startBank("--spring.datasource.url=" + url,
                    "--spring.datasource.username=postgres", "--spring.datasource.password=postgres",
                    "--verdict.coordinator-url=http://localhost:9", "--verdict.verify-coordinator-on-startup=false",
                    "--verdict.token=t", "--verdict.participant.signing-secret=" + TestCredentials.SIGNING_SECRET));

            assertThat(failure).isNotNull().has(causeWithMessage(
                    "has max_prepared_transactions = 0", "Set max_prepared_transactions to at least max_connections"));
        }
    }

    @Test
    void aParticipantThatCannotReachTheCoordinatorFailsAtStartupSayingHowToFixIt() throws Exception {
        String database = "jdbc:h2:file:" + Files.createTempDirectory("bank").resolve("bank").toAbsolutePath();

        Throwable failure = catchThrowable(() -> startBank("--spring.datasource.url=" + database,
                "--verdict.coordinator-url=http://localhost:9", "--verdict.token=t",
                "--verdict.participant.signing-secret=" + TestCredentials.SIGNING_SECRET));

        assertThat(failure).isNotNull().has(causeWithMessage("The Verdict coordinator at http://localhost:9 cannot be reached",
                "Start the coordinator first", "verdict.coordinator-url"));
    }

    @Test
    void aParticipantWithoutATokenOrSigningSecretFailsAtStartupSayingWhereToFindThem() throws Exception {
        String database = "jdbc:h2:file:" + Files.createTempDirectory("bank").resolve("bank").toAbsolutePath();

        Throwable noToken = catchThrowable(() -> startBank("--spring.datasource.url=" + database,
                "--verdict.coordinator-url=http://localhost:9", "--verdict.participant.signing-secret=" + TestCredentials.SIGNING_SECRET));
        Throwable noSecret = catchThrowable(() -> startBank("--spring.datasource.url=" + database,
                "--verdict.coordinator-url=http://localhost:9", "--verdict.token=t", "--verdict.verify-coordinator-on-startup=false"));

        assertThat(noToken).isNotNull().has(causeWithMessage("verdict.token is not set", "verdict-credentials.properties"));
        assertThat(noSecret).isNotNull().has(causeWithMessage("verdict.participant.signing-secret is not set",
                "verdict.security.signing-secrets.", "verdict.generated.signing-secret"));
    }

    private static void startBank(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--spring.config.name=bank";
        all[1] = "--server.port=0";
        System.arraycopy(args, 0, all, 2, args.length);
        new SpringApplicationBuilder(BankApplication.class).run(all).close();
    }

    private static Condition<Throwable> causeWithMessage(String... parts) {
        return new Condition<>(failure -> {
            for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
                String message = String.valueOf(cause.getMessage());
                if (java.util.Arrays.stream(parts).allMatch(message::contains)) {
                    return true;
                }
            }
            return false;
        }, "a cause whose message contains %s", java.util.List.of(parts));
    }
}
