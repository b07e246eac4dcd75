package dev.verdict.participant.autoconfigure;

import java.sql.SQLException;
import java.time.Clock;

import javax.sql.DataSource;
import javax.sql.XADataSource;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

import dev.verdict.participant.BranchManager;
import dev.verdict.participant.CrashPoints;
import dev.verdict.participant.SignedCallVerifier;
import dev.verdict.protocol.BranchReceipt;
import tools.jackson.databind.json.JsonMapper;

/**
 * The participant side of the SDK, for a servlet web service with a {@code DataSource}: wraps the data
 * source so that work done for a global transaction runs in an XA branch, and serves the endpoints the
 * coordinator calls.
 */
@AutoConfiguration(after = {VerdictClientAutoConfiguration.class, DataSourceAutoConfiguration.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnProperty("verdict.coordinator-url")
@ConditionalOnProperty(name = "verdict.participant.enabled", matchIfMissing = true)
@ConditionalOnBean({DataSource.class, CoordinatorClient.class})
public class VerdictParticipantAutoConfiguration {

    @Bean
    static BeanPostProcessor verdictDataSourceEnlister() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (bean instanceof DataSource dataSource && !(bean instanceof XADataSource)
                        && !(bean instanceof EnlistingDataSource)) {
                    return new EnlistingDataSource(dataSource);
                }
                return bean;
            }
        };
    }

    @Bean
    AdvertisedUrl verdictAdvertisedUrl(VerdictProperties properties) {
        return new AdvertisedUrl(properties.participant().advertisedUrl());
    }

    /** Unarmed unless the test-only setting {@code verdict.participant.crash-point} names a point. */
    @Bean
    CrashPoints verdictCrashPoints(VerdictProperties properties) {
        String crashPoint = properties.participant().crashPoint();
        return crashPoint == null || crashPoint.isBlank() ? CrashPoints.none() : CrashPoints.armedAt(crashPoint);
    }

    @Bean(destroyMethod = "close")
    BranchManager verdictBranchManager(ObjectProvider<XADataSource> xaDataSources, DataSourceProperties dataSource,
            VerdictProperties properties, CoordinatorClient coordinator, AdvertisedUrl url, Environment environment,
            CrashPoints crashPoints) throws SQLException {
        XADataSource xa = xaDataSources.getIfAvailable(() -> XaDataSources.forUrl(dataSource.determineUrl(),
                dataSource.determineUsername(), dataSource.determinePassword()));
        VerdictProperties.Participant participant = properties.participant();
        XaDataSources.checkFitForBranches(xa, participant.allowH2());
        String name = participant.name() != null ? participant.name()
                : environment.getProperty("spring.application.name", "participant");
        var settings = new BranchManager.Settings(participant.branchTimeout(), participant.lockTimeout(),
                participant.lockWaitTimeout(), participant.recoveryInterval(), participant.orphanTimeout(),
                participant.abandonedBranchCheck(), participant.markerRetention(), participant.maxBranchConnections(),
                participant.prepareAtRequestEnd());
        BranchManager.Registrar registrar = new BranchManager.Registrar() {
            @Override
            public String register(String transactionId) {
                return coordinator.register(transactionId, name, url.get());
            }

            @Override
            public void registerPrepared(String transactionId, String branchId) {
                coordinator.registerPrepared(transactionId, name, url.get(), branchId);
            }

            @Override
            public @Nullable String receipt(String transactionId, String branchId) {
                String secret = participant.signingSecret();
                String principal = coordinator.caller();
                if (!participant.receipts() || secret == null || secret.isBlank() || principal == null) {
                    return null;
                }
                return new BranchReceipt(transactionId, branchId, name, principal, url.get()).sign(secret);
            }
        };
        return new BranchManager(xa, registrar, new CoordinatorInquiry(coordinator), settings, Clock.systemUTC(), crashPoints);
    }

    /**
     * Starts recovery and the branch timers once every bean is ready, so that the commit-marker table is
     * made after the service's own schema migrations, and before the web server takes requests.
     */
    @Bean
    SmartLifecycle verdictBranchManagerLifecycle(BranchManager branches) {
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                try {
                    branches.start();
                } catch (SQLException e) {
                    throw new IllegalStateException("Verdict could not create its commit-marker table "
                            + "verdict_committed_branch in the service's database: " + e.getMessage(), e);
                }
                running = true;
            }

            @Override
            public void stop() {
                running = false;
            }

            @Override
            public boolean isRunning() {
                return running;
            }

            @Override
            public int getPhase() {
                return 0;
            }
        };
    }

    @Bean
    FilterRegistrationBean<ParticipantFilter> verdictParticipantFilter(BranchManager branches, JsonMapper json) {
        var registration = new FilterRegistrationBean<>(new ParticipantFilter(branches, json));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 100);
        return registration;
    }

    @Bean
    ParticipantEndpoints verdictParticipantEndpoints(BranchManager branches, VerdictProperties properties, JsonMapper json) {
        String secret = properties.participant().signingSecret();
        if (secret == null || secret.isBlank()) {
            throw new IllegalStateException("verdict.participant.signing-secret is not set: the coordinator signs its calls to"
                    + " this participant with a secret they share, and calls that are not signed with it are refused. Set it to"
                    + " the coordinator's verdict.security.signing-secrets.<this participant's name>, or, with the credentials a"
                    + " coordinator made for itself, to verdict.generated.signing-secret from its verdict-credentials.properties.");
        }
        return new ParticipantEndpoints(branches, new SignedCallVerifier(secret, properties.participant().signatureMaxAge(),
                Clock.systemUTC()), json);
    }

    /** The base URL the coordinator calls back; learned from the web server's port unless configured. */
    static final class AdvertisedUrl implements ApplicationListener<WebServerInitializedEvent> {

        private volatile String url;

        AdvertisedUrl(String configured) {
            this.url = configured;
        }

        @Override
        public void onApplicationEvent(WebServerInitializedEvent event) {
            if (url == null) {
                url = "http://localhost:" + event.getWebServer().getPort() + ParticipantEndpoints.PATH;
            }
        }

        String get() {
            if (url == null) {
                throw new IllegalStateException("the web server has not started yet, so this participant's URL is unknown;"
                        + " set verdict.participant.advertised-url");
            }
            return url;
        }
    }
}
