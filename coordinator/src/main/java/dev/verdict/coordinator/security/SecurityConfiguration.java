package dev.verdict.coordinator.security;

import java.nio.file.Path;

import jakarta.servlet.http.HttpServletRequest;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.AuthenticationManagerResolver;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.authentication.JwtGrantedAuthoritiesConverter;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.csrf.CsrfTokenRequestAttributeHandler;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;

import tools.jackson.databind.json.JsonMapper;

/**
 * Who may call what. Every call of the API is authenticated: clients, participants and operators with a
 * bearer token (static ones from {@link Credentials}, or JWTs when an issuer is configured), operators on
 * the dashboard with a sign-in page, a session and CSRF protection. Each role may do only its part; the
 * services then check that a client touches only the transactions it began and a participant only those
 * it takes part in. Probes (liveness, readiness) and the OpenAPI description are open, without details.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SecurityProperties.class)
class SecurityConfiguration {

    private static final String CLIENT = Role.CLIENT.name();
    private static final String PARTICIPANT = Role.PARTICIPANT.name();
    private static final String OPERATOR = Role.OPERATOR.name();

    @Bean
    Credentials credentials(SecurityProperties properties, ObjectProvider<JwtDecoder> jwt, Environment environment) {
        return new Credentials(properties, jwt.getIfAvailable() != null,
                Path.of(environment.getProperty("verdict.coordinator.data-dir", "./data")));
    }

    @Bean
    SecurityFilterChain verdictSecurity(HttpSecurity http, Credentials credentials, SecurityProperties properties,
            ObjectProvider<JwtDecoder> jwt, JsonMapper json) throws Exception {
        ProblemResponses problems = new ProblemResponses(json);
        BearerTokenResolver bearer = new DefaultBearerTokenResolver();
        return http
                .authorizeHttpRequests(requests -> requests
                        .requestMatchers("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness",
                                "/openapi.yaml", "/login", "/admin/style.css").permitAll()
                        .requestMatchers("/admin/**", "/api/v1/admin/**", "/actuator/**").hasRole(OPERATOR)
                        .requestMatchers(HttpMethod.POST, "/api/v1/transactions", "/api/v1/transactions/*/commit",
                                "/api/v1/transactions/*/rollback").hasRole(CLIENT)
                        .requestMatchers(HttpMethod.POST, "/api/v1/transactions/*/participants", "/api/v1/registrations")
                                .hasRole(PARTICIPANT)
                        .requestMatchers(HttpMethod.GET, "/api/v1/transactions/*").hasAnyRole(CLIENT, PARTICIPANT)
                        .requestMatchers(HttpMethod.GET, "/api/v1/transactions/*/branches/*").hasRole(PARTICIPANT)
                        .anyRequest().authenticated())
                .oauth2ResourceServer(resourceServer -> resourceServer
                        .bearerTokenResolver(bearer)
                        .authenticationManagerResolver(authenticationManagers(credentials, properties, jwt.getIfAvailable(), bearer))
                        .authenticationEntryPoint(problems)
                        .accessDeniedHandler(problems))
                .formLogin(login -> login.defaultSuccessUrl("/admin/", true))
                .logout(logout -> logout.logoutSuccessUrl("/login?logout"))
                // A forged cross-site request can only ride on what a browser adds by itself: the session
                // cookie. So actions of a signed-in operator, and signing in and out, need the CSRF token (the
                // dashboard's script sends the XSRF-TOKEN cookie back as a header); a call without a session
                // has nothing to forge and gets its 401 or 403 from authentication instead.
                // The token is made only where it is used (the sign-in page, the dashboard's session call), not
                // as a cookie on every API answer, which csrf.spa() would do.
                .csrf(csrf -> csrf
                        .csrfTokenRepository(CookieCsrfTokenRepository.withHttpOnlyFalse())
                        .csrfTokenRequestHandler(new CsrfTokenRequestAttributeHandler())
                        .requireCsrfProtectionMatcher(SecurityConfiguration::ridesOnASession))
                .exceptionHandling(exceptions -> exceptions
                        .defaultAuthenticationEntryPointFor(new LoginUrlAuthenticationEntryPoint("/login"),
                                PathPatternRequestMatcher.withDefaults().matcher("/admin/**"))
                        .defaultAuthenticationEntryPointFor(problems, request -> true)
                        .accessDeniedHandler(problems))
                .build();
    }

    private static final java.util.Set<String> SAFE_METHODS = java.util.Set.of("GET", "HEAD", "OPTIONS", "TRACE");

    private static boolean ridesOnASession(HttpServletRequest request) {
        if (SAFE_METHODS.contains(request.getMethod())) {
            return false;
        }
        String path = request.getRequestURI().substring(request.getContextPath().length());
        String authorization = request.getHeader("Authorization");
        boolean bearer = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7);
        return path.equals("/login") || path.equals("/logout") || (request.getRequestedSessionId() != null && !bearer);
    }

    /** Operators who sign in to the dashboard, with their BCrypt-hashed passwords. */
    @Bean
    UserDetailsService operators(Credentials credentials) {
        InMemoryUserDetailsManager operators = new InMemoryUserDetailsManager();
        credentials.operatorHashes().forEach((name, hash) ->
                operators.createUser(User.withUsername(name).password(hash).roles(OPERATOR).build()));
        return operators;
    }

    /** A JWT (three dot-separated parts) goes to the issuer's decoder when one is configured; any other token is static. */
    private static AuthenticationManagerResolver<HttpServletRequest> authenticationManagers(Credentials credentials,
            SecurityProperties properties, @Nullable JwtDecoder jwt, BearerTokenResolver bearer) {
        AuthenticationManager staticTokens = new ProviderManager(new StaticTokens(credentials));
        if (jwt == null) {
            return request -> staticTokens;
        }
        JwtGrantedAuthoritiesConverter roles = new JwtGrantedAuthoritiesConverter();
        roles.setAuthoritiesClaimName(properties.rolesClaim());
        roles.setAuthorityPrefix("ROLE_");
        JwtAuthenticationConverter converter = new JwtAuthenticationConverter();
        converter.setJwtGrantedAuthoritiesConverter(roles);
        JwtAuthenticationProvider provider = new JwtAuthenticationProvider(jwt);
        provider.setJwtAuthenticationConverter(converter);
        AuthenticationManager jwts = new ProviderManager(provider);
        return request -> {
            String token = bearer.resolve(request);
            return token != null && token.chars().filter(c -> c == '.').count() == 2 ? jwts : staticTokens;
        };
    }
}
