package dev.verdict.coordinator.security;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** The per-caller rate limit applies to every call of the API, once the caller is known. */
@Configuration(proxyBeanMethods = false)
class ApiLimitsConfiguration implements WebMvcConfigurer {

    private final RequestLimits limits;

    ApiLimitsConfiguration(RequestLimits limits) {
        this.limits = limits;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(limits).addPathPatterns("/api/**");
    }
}
