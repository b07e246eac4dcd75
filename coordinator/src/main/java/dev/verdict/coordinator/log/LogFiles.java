package dev.verdict.coordinator.log;

import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

@Configuration(proxyBeanMethods = false)
class LogFiles {

    /**
     * Runs before any bean is made, so before the first connection to an H2 log opens its file: makes the
     * {@code sync:} prefix known, then lets {@link H2LogRecovery} open the file from its newest complete chunk.
     */
    @Bean
    static BeanFactoryPostProcessor syncedFilesForTheLog(Environment environment) {
        return beanFactory -> {
            SyncedFiles.register();
            String url = environment.getProperty("spring.datasource.url");
            if (url != null) {
                H2LogRecovery.recover(url, environment.getProperty("spring.datasource.username", ""),
                        environment.getProperty("spring.datasource.password", ""));
            }
        };
    }
}
