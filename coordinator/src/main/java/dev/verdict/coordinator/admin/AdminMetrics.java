package dev.verdict.coordinator.admin;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The gauges an operator graphs for in-doubt work, computed by one cheap indexed query at most every
 * few seconds however often they are scraped; and the {@code participants} health, which lists open
 * circuit breakers without ever going DOWN for one participant.
 */
@Component("participantsHealthIndicator")
class AdminMetrics implements HealthIndicator {

    private static final Duration FRESH_FOR = Duration.ofSeconds(5);

    private final AdminQueries queries;
    private final CircuitBreakerRegistry circuitBreakers;
    private final Clock clock;
    private volatile long[] summary = {0, 0};
    private volatile Instant summarizedAt = Instant.EPOCH;

    AdminMetrics(AdminQueries queries, CircuitBreakerRegistry circuitBreakers, Clock clock, MeterRegistry meters) {
        this.queries = queries;
        this.circuitBreakers = circuitBreakers;
        this.clock = clock;
        Gauge.builder("verdict.transactions.in.doubt", this, metrics -> metrics.summary()[0])
                .description("transactions preparing, or decided and not yet acknowledged by every branch")
                .register(meters);
        Gauge.builder("verdict.transactions.in.doubt.oldest.age", this, metrics -> metrics.summary()[1])
                .baseUnit("seconds").description("age of the oldest in-doubt transaction")
                .register(meters);
    }

    private synchronized long[] summary() {
        if (summarizedAt.plus(FRESH_FOR).isBefore(clock.instant())) {
            summary = queries.inDoubtSummary();
            summarizedAt = clock.instant();
        }
        return summary;
    }

    @Override
    public Health health() {
        var open = circuitBreakers.getAllCircuitBreakers().stream()
                .filter(breaker -> breaker.getState() != CircuitBreaker.State.CLOSED)
                .collect(java.util.stream.Collectors.toMap(CircuitBreaker::getName, breaker -> breaker.getState().name()));
        return (open.isEmpty() ? Health.up() : Health.unknown()).withDetail("circuitBreakersNotClosed", Map.copyOf(open)).build();
    }
}
