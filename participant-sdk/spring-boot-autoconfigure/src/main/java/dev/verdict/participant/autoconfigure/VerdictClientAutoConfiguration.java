package dev.verdict.participant.autoconfigure;

import java.time.Clock;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.restclient.RestTemplateCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.web.client.RestClient;

/**
 * The client side of the SDK: the coordinator client, {@link GlobalTransactions}, and the interceptors
 * that carry the transaction context on every {@code RestClient} and {@code RestTemplate} that Spring
 * Boot builds.
 */
@AutoConfiguration
@ConditionalOnProperty("verdict.coordinator-url")
@EnableConfigurationProperties(VerdictProperties.class)
public class VerdictClientAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(VerdictClientAutoConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    CoordinatorClient verdictCoordinatorClient(VerdictProperties properties) {
        // A builder of its own: the application's customizers (and our interceptor) do not belong on coordinator calls.
        if (properties.token() == null || properties.token().isBlank()) {
            throw new IllegalStateException("verdict.token is not set: the coordinator answers no call without a bearer token."
                    + " Set it to a token the coordinator knows (verdict.security.tokens.<name>.token there) with the CLIENT role"
                    + " for a service that begins transactions, PARTICIPANT for one that takes part. With the credentials a"
                    + " coordinator made for itself, import its data/verdict-credentials.properties"
                    + " (spring.config.import=file:...) and use verdict.generated.client-token or participant-token.");
        }
        return new CoordinatorClient(RestClient.builder(), properties.coordinatorUrl(), properties.requestTimeout(), properties.token(),
                properties.participant().registrationCallsInFlight());
    }

    @Bean
    @ConditionalOnMissingBean
    GlobalTransactions globalTransactions(CoordinatorClient coordinator, VerdictProperties properties,
            ReceiptCollector receipts) {
        return new GlobalTransactions(coordinator, properties.answerAtDecision(), properties.collectReceipts() ? receipts : null,
                properties.beginAhead() ? new NextTransactions(System::nanoTime) : null);
    }

    @Bean
    ReceiptCollector verdictReceiptCollector() {
        return new ReceiptCollector(Clock.systemUTC());
    }

    @Bean
    TransactionContextInterceptor verdictTransactionContextInterceptor(VerdictProperties properties, ReceiptCollector receipts) {
        return new TransactionContextInterceptor(properties.propagateTo(), properties.collectReceipts() ? receipts : null);
    }

    @Bean
    RestClientCustomizer verdictRestClientCustomizer(TransactionContextInterceptor interceptor) {
        return builder -> builder.requestInterceptor(interceptor);
    }

    @Bean
    RestTemplateCustomizer verdictRestTemplateCustomizer(TransactionContextInterceptor interceptor) {
        return restTemplate -> restTemplate.getInterceptors().add(interceptor);
    }

    @Bean
    @ConditionalOnProperty(name = "verdict.verify-coordinator-on-startup", matchIfMissing = true)
    InitializingBean verdictCoordinatorCheck(CoordinatorClient coordinator) {
        return () -> {
            Map<String, Object> description;
            try {
                description = coordinator.describe();
            } catch (org.springframework.web.client.HttpClientErrorException.Unauthorized e) {
                throw new IllegalStateException("The Verdict coordinator at " + coordinator.baseUrl() + " does not accept"
                        + " verdict.token (401: " + e.getResponseBodyAsString() + "). Use a token configured on the coordinator.", e);
            } catch (RuntimeException e) {
                throw new IllegalStateException("The Verdict coordinator at " + coordinator.baseUrl()
                        + " cannot be reached (" + rootCause(e) + "). Start the coordinator first, point"
                        + " verdict.coordinator-url at its base URL, or set verdict.verify-coordinator-on-startup=false"
                        + " to start without it.", e);
            }
            log.info("Verdict coordinator at {} is reachable: node {}", coordinator.baseUrl(), description.get("nodeId"));
        };
    }

    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + ", caused by " + root;
    }
}
