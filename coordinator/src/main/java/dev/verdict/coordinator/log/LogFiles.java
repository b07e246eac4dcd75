package dev.verdict.coordinator.log;

import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class LogFiles {

    /** Runs before any bean is made, so before the first connection to an H2 log opens its file. */
    @Bean
    static BeanFactoryPostProcessor syncedFilesForTheLog() {
        return beanFactory -> SyncedFiles.register();
    }
}
