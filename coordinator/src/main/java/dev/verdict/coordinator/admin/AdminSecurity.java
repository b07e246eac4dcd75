package dev.verdict.coordinator.admin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Operators sign in (HTTP Basic) for the dashboard and the admin API, and their name goes into the audit
 * trail. The transaction API, the participant callbacks' peer API and the actuator stay open, as
 * participants and clients call them; in production put them behind the network's own controls.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AdminSecurity.AdminProperties.class)
class AdminSecurity {

    /**
     * Settings of the operators' sign-in, under {@code verdict.admin}.
     *
     * @param username the operator's user name
     * @param password the operator's password; change the default
     */
    @ConfigurationProperties("verdict.admin")
    record AdminProperties(@DefaultValue("admin") String username, @DefaultValue("admin") String password) {
    }

    @Bean
    SecurityFilterChain operatorsOnlyForAdmin(HttpSecurity http) throws Exception {
        return http
                .authorizeHttpRequests(requests -> requests
                        .requestMatchers("/admin/**", "/api/v1/admin/**").hasRole("OPERATOR")
                        .anyRequest().permitAll())
                .httpBasic(Customizer.withDefaults())
                // The admin API takes JSON bodies only, which a cross-site form cannot send without CORS.
                .csrf(csrf -> csrf.disable())
                .build();
    }

    @Bean
    UserDetailsService operators(AdminProperties properties) {
        var encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();
        return new InMemoryUserDetailsManager(User.withUsername(properties.username())
                .password(encoder.encode(properties.password())).roles("OPERATOR").build());
    }
}
