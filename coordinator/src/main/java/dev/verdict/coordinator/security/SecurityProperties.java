package dev.verdict.coordinator.security;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may call the coordinator, under {@code verdict.security}. With no token, no operator and no JWT
 * issuer configured, the coordinator makes credentials of its own at first start ({@link GeneratedCredentials}).
 *
 * @param tokens static bearer tokens by name (the name is the caller's identity): each with its token, in
 *        clear or as {@code {sha256}<hex digest>}, and its roles; rotate by listing the new one beside the old
 * @param operators people who sign in to the dashboard, by user name, each with a BCrypt hash of the password
 *        ({@code {bcrypt}$2a$...})
 * @param rolesClaim the claim of a JWT (from {@code spring.security.oauth2.resourceserver.jwt.*}) that lists roles
 * @param signingSecrets the secret shared with each participant, by participant name, with which the coordinator
 *        signs its calls to it
 * @param defaultSigningSecret the secret for participants without one of their own; none by default, so a
 *        participant without a secret cannot register
 * @param allowedParticipantUrls the participant URLs the coordinator may call: URL prefixes
 *        ({@code https://bank-a.internal:8443/}) or host patterns ({@code *.internal}, {@code 10.0.0.7});
 *        loopback only by default. Link-local and cloud metadata addresses are refused whatever this says.
 * @param maxBranches how many participants one transaction may have
 * @param maxActiveTransactions how many transactions may be undecided at once before begin is refused
 * @param maxBodySize the largest request body accepted, refused before it is read
 * @param requestsPerSecond how many calls one caller may make per second before it is told to slow down
 */
@ConfigurationProperties("verdict.security")
public record SecurityProperties(
        @DefaultValue Map<String, Token> tokens,
        @DefaultValue Map<String, Operator> operators,
        @DefaultValue("roles") String rolesClaim,
        @DefaultValue Map<String, String> signingSecrets,
        @Nullable String defaultSigningSecret,
        @DefaultValue({"http://localhost", "http://127.0.0.1", "http://[::1]"}) List<String> allowedParticipantUrls,
        @DefaultValue("32") int maxBranches,
        @DefaultValue("10000") int maxActiveTransactions,
        @DefaultValue("64KB") org.springframework.util.unit.DataSize maxBodySize,
        @DefaultValue("2000") int requestsPerSecond) {

    /** A static bearer token and the roles it carries. */
    public record Token(@Nullable String token, @DefaultValue Set<Role> roles) {
    }

    /** An operator of the dashboard and its password's BCrypt hash. */
    public record Operator(@Nullable String passwordHash) {
    }

    /** Whether anything at all is configured; if not, the coordinator makes its own credentials. */
    boolean nothingConfigured(boolean jwtConfigured) {
        return tokens.isEmpty() && operators.isEmpty() && !jwtConfigured;
    }
}
