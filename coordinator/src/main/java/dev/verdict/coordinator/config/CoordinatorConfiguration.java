package dev.verdict.coordinator.config;

import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;

import dev.verdict.coordinator.transaction.CoordinatorIdentity;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(CoordinatorProperties.class)
@EnableScheduling
class CoordinatorConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    CoordinatorIdentity coordinatorIdentity(CoordinatorProperties properties) {
        return new CoordinatorIdentity(properties.nodeId(), UUID.randomUUID().toString().substring(0, 8));
    }

    /**
     * Threads for participant calls and recovery: platform threads, grown on demand and bounded by the
     * transactions in flight. Virtual threads could starve their few carriers while loading classes.
     */
    @Bean(destroyMethod = "close")
    ExecutorService participantCalls() {
        return Executors.newCachedThreadPool(Thread.ofPlatform().name("verdict-call-", 1).daemon(true).factory());
    }
}
