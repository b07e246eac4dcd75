package dev.verdict.coordinator.recovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

import dev.verdict.coordinator.config.CoordinatorProperties;

/**
 * {@code watchdog}, part of liveness: DOWN, with the reasons, when the coordinator has stopped making
 * progress, so that an orchestrator restarts it. It is stuck when start-up recovery, a recovery pass or
 * an API request has run for longer than {@code watchdog-timeout} (no healthy one takes that long: a
 * commit needs at most its prepare and three phase-2 attempts), or when no recovery pass has begun for
 * that long. A coordinator so stuck that it cannot even answer this check fails its probe by timing out.
 */
@Component("watchdogHealthIndicator")
class Watchdog implements HealthIndicator {

    private final StartupRecovery startup;
    private final Recovery recovery;
    private final InFlightRequests requests;
    private final Duration timeout;
    private final Duration recoveryInterval;

    Watchdog(StartupRecovery startup, Recovery recovery, InFlightRequests requests, CoordinatorProperties properties) {
        this.startup = startup;
        this.recovery = recovery;
        this.requests = requests;
        this.timeout = properties.watchdogTimeout();
        this.recoveryInterval = properties.recoveryInterval();
    }

    @Override
    public Health health() {
        List<String> stuck = new ArrayList<>();
        Duration starting = startup.runningFor();
        if (starting != null && starting.compareTo(timeout) > 0) {
            stuck.add("start-up recovery has run for " + seconds(starting) + " (" + startup.progress() + ")");
        }
        Duration pass = recovery.passRunningFor();
        if (pass != null && pass.compareTo(timeout) > 0) {
            stuck.add("a recovery pass has run for " + seconds(pass));
        }
        Duration sinceLastPass = recovery.sinceLastPassStarted();
        if (startup.isDone() && pass == null && sinceLastPass.compareTo(timeout.plus(recoveryInterval)) > 0) {
            stuck.add("no recovery pass has started for " + seconds(sinceLastPass));
        }
        requests.oldest().filter(request -> request.age().compareTo(timeout) > 0).ifPresent(request -> stuck.add(
                "request " + request.method() + " " + request.path() + " has run for " + seconds(request.age())));
        Health.Builder health = stuck.isEmpty() ? Health.up() : Health.down().withDetail("stuck", stuck);
        return health.withDetail("timeout", timeout.toString())
                .withDetail("requestsInFlight", requests.count())
                .withDetail("lastRecoveryPassAt", recovery.lastPassAt().toString())
                .build();
    }

    private static String seconds(Duration duration) {
        return duration.toSeconds() + " s";
    }
}
