package dev.verdict.participant.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.boot.restclient.autoconfigure.RestTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import dev.verdict.participant.BranchManager;
import dev.verdict.participant.CrashPoints;

class VerdictAutoConfigurationTests {

    private static final String SECRET = "a signing secret of at least 32 characters";

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, JacksonAutoConfiguration.class,
                    RestTemplateAutoConfiguration.class, VerdictClientAutoConfiguration.class,
                    VerdictParticipantAutoConfiguration.class));

    @Test
    void withoutACoordinatorUrlTheServiceIsLeftExactlyAsItWas() {
        runner.withPropertyValues("spring.datasource.url=jdbc:h2:mem:plain").run(context -> {
            assertThat(context).doesNotHaveBean(GlobalTransactions.class).doesNotHaveBean(BranchManager.class);
            assertThat(context.getBean(DataSource.class)).isNotInstanceOf(EnlistingDataSource.class);
        });
    }

    @Test
    void aServiceWithADatabaseBecomesAParticipantWhoseDataSourceEnlistsInGlobalTransactions() throws Exception {
        participant().run(context -> {
            assertThat(context).hasSingleBean(BranchManager.class).hasSingleBean(GlobalTransactions.class);
            assertThat(context.getBean(DataSource.class)).isInstanceOf(EnlistingDataSource.class);
        });
    }

    @Test
    void aParticipantOnH2FailsStartupUnlessTheServiceAcceptsH2sCrashRisk() throws Exception {
        participant().withPropertyValues("verdict.participant.allow-h2=false").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("is H2, which is not safe for a participant")
                    .hasStackTraceContaining("Use PostgreSQL, or set verdict.participant.allow-h2=true");
        });
    }

    @Test
    void aParticipantRunsWithUnarmedCrashPoints() throws Exception {
        participant().run(context -> assertThat(context.getBean(CrashPoints.class).armed()).isNull());
    }

    @Test
    void onlyTheTestOnlySettingArmsACrashPoint() throws Exception {
        participant().withPropertyValues("verdict.participant.crash-point=after-commit")
                .run(context -> assertThat(context.getBean(CrashPoints.class).armed()).isEqualTo(CrashPoints.AFTER_COMMIT));
    }

    @Test
    void aCrashPointThatDoesNotExistFailsStartupNamingTheSetting() throws Exception {
        participant().withPropertyValues("verdict.participant.crash-point=after-lunch").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("verdict.participant.crash-point must be one of");
        });
    }

    @Test
    void theOpenBranchesHoldAtMost64PooledConnectionsUnlessConfigured() throws Exception {
        participant().run(context -> assertThat(context.getBean(VerdictProperties.class).participant().maxBranchConnections())
                .isEqualTo(64));
        participant().withPropertyValues("verdict.participant.max-branch-connections=8").run(context -> assertThat(
                context.getBean(VerdictProperties.class).participant().maxBranchConnections()).isEqualTo(8));
    }

    @Test
    void noConnectionForBranchesAtAllFailsStartupNamingTheSetting() throws Exception {
        participant().withPropertyValues("verdict.participant.max-branch-connections=0").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .hasStackTraceContaining("verdict.participant.max-branch-connections must be at least 1");
        });
    }

    @Test
    void anUnpreparedBranchIsAskedAboutAfter30sUnlessConfigured() throws Exception {
        participant().run(context -> assertThat(context.getBean(VerdictProperties.class).participant().abandonedBranchCheck())
                .isEqualTo(Duration.ofSeconds(30)));
        participant().withPropertyValues("verdict.participant.abandoned-branch-check=2m").run(context -> assertThat(
                context.getBean(VerdictProperties.class).participant().abandonedBranchCheck()).isEqualTo(Duration.ofMinutes(2)));
    }

    @Test
    void anAbandonedBranchCheckOfZeroFailsStartupNamingTheSetting() throws Exception {
        participant().withPropertyValues("verdict.participant.abandoned-branch-check=0s").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .hasStackTraceContaining("verdict.participant.abandoned-branch-check must be longer than zero");
        });
    }

    @Test
    void aClientWithoutADatabaseGetsTheClientApiOnly() {
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, RestTemplateAutoConfiguration.class,
                        VerdictClientAutoConfiguration.class, VerdictParticipantAutoConfiguration.class))
                .withPropertyValues("verdict.coordinator-url=http://localhost:9", "verdict.verify-coordinator-on-startup=false",
                        "verdict.token=t")
                .run(context -> {
                    assertThat(context).hasSingleBean(GlobalTransactions.class).doesNotHaveBean(BranchManager.class);
                    assertThat(context.getBean(RestTemplateBuilder.class).build().getInterceptors())
                            .hasAtLeastOneElementOfType(TransactionContextInterceptor.class);
                });
    }

    /** A participant on an H2 file, which these tests accept (verdict.participant.allow-h2). */
    private WebApplicationContextRunner participant() throws Exception {
        String url = "jdbc:h2:file:" + Files.createTempDirectory("participant").resolve("db").toAbsolutePath();
        return runner.withPropertyValues("spring.datasource.url=" + url, "verdict.coordinator-url=http://localhost:9",
                "verdict.verify-coordinator-on-startup=false", "verdict.token=t", "verdict.participant.signing-secret=" + SECRET,
                "verdict.participant.allow-h2=true");
    }

    @Test
    void withoutATokenStartupFailsSayingWhereOneComesFrom() {
        runner.withPropertyValues("verdict.coordinator-url=http://localhost:9", "verdict.verify-coordinator-on-startup=false")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).hasStackTraceContaining("verdict.token is not set");
                });
    }

    @Test
    void aParticipantWithoutTheSigningSecretOrWithAShortOneFailsStartupNamingTheSetting() throws Exception {
        String url = "jdbc:h2:file:" + Files.createTempDirectory("participant").resolve("db").toAbsolutePath();
        WebApplicationContextRunner noSecret = runner.withPropertyValues("spring.datasource.url=" + url,
                "verdict.coordinator-url=http://localhost:9", "verdict.verify-coordinator-on-startup=false", "verdict.token=t",
                "verdict.participant.allow-h2=true");
        noSecret.run(context -> assertThat(context.getStartupFailure())
                .hasStackTraceContaining("verdict.participant.signing-secret is not set"));
        noSecret.withPropertyValues("verdict.participant.signing-secret=short").run(context -> assertThat(context.getStartupFailure())
                .hasStackTraceContaining("verdict.participant.signing-secret is too short"));
    }

    @Test
    void anUnreachableCoordinatorFailsStartupWithTheFix() {
        runner.withPropertyValues("verdict.coordinator-url=http://localhost:9", "verdict.token=t").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isNotNull();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("Start the coordinator first");
        });
    }
}
