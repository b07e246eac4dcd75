package dev.verdict.coordinator.recovery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

import dev.verdict.coordinator.config.CoordinatorProperties;

/** {@code recovery}: UP while recovery passes keep running; a stalled recovery leaves in-doubt work unfinished. */
@Component("recoveryHealthIndicator")
class RecoveryHealth implements HealthIndicator {

    private final Recovery recovery;
    private final CoordinatorProperties properties;
    private final Clock clock;

    RecoveryHealth(Recovery recovery, CoordinatorProperties properties, Clock clock) {
        this.recovery = recovery;
        this.properties = properties;
        this.clock = clock;
    }

    @Override
    public Health health() {
        Instant last = recovery.lastPassAt();
        Duration since = Duration.between(last, clock.instant());
        Duration allowed = properties.recoveryInterval().multipliedBy(3).plusSeconds(5);
        Health.Builder health = since.compareTo(allowed) <= 0 ? Health.up() : Health.down();
        return health.withDetail("lastPassAt", last.toString()).withDetail("interval", properties.recoveryInterval().toString()).build();
    }
}
