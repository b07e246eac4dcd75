package dev.verdict.coordinator.security;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * The credentials in force: those configured under {@code verdict.security}, or, when nothing is, those
 * {@link GeneratedCredentials} made. Tokens are held only as SHA-256 digests; a token is random and long,
 * so a fast digest is enough, and looking one up costs microseconds on every call.
 */
public final class Credentials {

    /** Who called, with what roles: the name of the token, operator or JWT subject. */
    public record Caller(String name, Set<Role> roles) {

        public boolean has(Role role) {
            return roles.contains(role);
        }
    }

    private final Map<String, Caller> callersByDigest = new HashMap<>();
    private final Map<String, String> operatorHashes = new LinkedHashMap<>();
    private final Map<String, String> signingSecrets;
    private final @Nullable String defaultSigningSecret;

    Credentials(SecurityProperties properties, boolean jwtConfigured, Path dataDirectory) {
        GeneratedCredentials generated = properties.nothingConfigured(jwtConfigured)
                ? GeneratedCredentials.loadOrCreate(dataDirectory) : null;
        if (generated != null) {
            addToken("client", generated.clientToken(), Set.of(Role.CLIENT));
            addToken("participant", generated.participantToken(), Set.of(Role.PARTICIPANT));
            addToken(generated.operatorName(), generated.operatorToken(), Set.of(Role.OPERATOR));
            operatorHashes.put(generated.operatorName(), "{bcrypt}" + new BCryptPasswordEncoder().encode(generated.operatorPassword()));
            this.signingSecrets = Map.of();
            this.defaultSigningSecret = generated.signingSecret();
            return;
        }
        properties.tokens().forEach((name, token) -> {
            if (token.token() == null || token.token().isBlank()) {
                throw new IllegalArgumentException("verdict.security.tokens." + name + ".token is missing: give the token, or"
                        + " its digest as {sha256}<64 hex digits>");
            }
            if (token.roles().isEmpty()) {
                throw new IllegalArgumentException("verdict.security.tokens." + name + ".roles is empty: list one or more of"
                        + " CLIENT, PARTICIPANT, OPERATOR");
            }
            addToken(name, token.token(), token.roles());
        });
        properties.operators().forEach((name, operator) -> {
            String hash = operator.passwordHash();
            if (hash == null || !hash.startsWith("{bcrypt}$2")) {
                throw new IllegalArgumentException("verdict.security.operators." + name + ".password-hash must be a BCrypt hash"
                        + " written as {bcrypt}$2a$..., for example the output of: htpasswd -bnBC 12 '' <password> | tr -d ':\\n'");
            }
            operatorHashes.put(name, hash);
        });
        properties.signingSecrets().forEach((participant, secret) -> requireStrong(secret, "verdict.security.signing-secrets." + participant));
        if (properties.defaultSigningSecret() != null) {
            requireStrong(properties.defaultSigningSecret(), "verdict.security.default-signing-secret");
        }
        this.signingSecrets = Map.copyOf(properties.signingSecrets());
        this.defaultSigningSecret = properties.defaultSigningSecret();
    }

    private void addToken(String name, String token, Set<Role> roles) {
        String digest;
        if (token.startsWith("{sha256}")) {
            digest = token.substring("{sha256}".length()).toLowerCase(java.util.Locale.ROOT);
            if (!digest.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("verdict.security.tokens." + name + ".token: {sha256} must be followed by the"
                        + " 64 hex digits of the token's SHA-256 digest (echo -n <token> | sha256sum)");
            }
        } else {
            if (token.length() < 16) {
                throw new IllegalArgumentException("verdict.security.tokens." + name + ".token is too short to be secret:"
                        + " use at least 16 random characters (for example: openssl rand -base64 32)");
            }
            digest = digest(token);
        }
        Caller previous = callersByDigest.put(digest, new Caller(name, Set.copyOf(EnumSet.copyOf(roles))));
        if (previous != null) {
            throw new IllegalArgumentException("verdict.security.tokens." + name + " and " + previous.name() + " have the same token");
        }
    }

    private static void requireStrong(String secret, String property) {
        if (secret.length() < 32) {
            throw new IllegalArgumentException(property + " is too short: a signing secret needs at least 32 random characters"
                    + " (for example: openssl rand -base64 32)");
        }
    }

    /** The caller a bearer token stands for. */
    Optional<Caller> callerOf(String token) {
        return Optional.ofNullable(callersByDigest.get(digest(token)));
    }

    Map<String, String> operatorHashes() {
        return operatorHashes;
    }

    /** The secret the coordinator signs its calls to this participant with, if it has one. */
    public Optional<String> signingSecretFor(String participantName) {
        return Optional.ofNullable(signingSecrets.getOrDefault(participantName, defaultSigningSecret));
    }

    static String digest(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
