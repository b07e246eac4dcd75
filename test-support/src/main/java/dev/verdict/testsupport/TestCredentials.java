package dev.verdict.testsupport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * The credentials the tests configure on the coordinator and hand to its callers: one token per role, an
 * operator who signs in with a password, and the secret the coordinator signs participant calls with.
 * They exist only here, for tests; the coordinator itself has none compiled in.
 */
public final class TestCredentials {

    public static final String CLIENT = "test-client";
    public static final String CLIENT_TOKEN = "client-token-for-tests-only-0123456789";
    public static final String PARTICIPANT = "test-participant";
    public static final String PARTICIPANT_TOKEN = "participant-token-for-tests-only-0123456789";
    public static final String OPERATOR = "test-operator";
    public static final String OPERATOR_TOKEN = "operator-token-for-tests-only-0123456789";
    public static final String OPERATOR_PASSWORD = "operator-password-for-tests-only";
    public static final String SIGNING_SECRET = "signing-secret-for-tests-only-0123456789";

    /** BCrypt at its lowest cost: the tests sign in often, and the hash only has to be valid. */
    private static final String OPERATOR_PASSWORD_HASH = "{bcrypt}" + new BCryptPasswordEncoder(4).encode(OPERATOR_PASSWORD);

    private TestCredentials() {
    }

    /** The coordinator's {@code verdict.security.*} settings, as properties of a test's application context. */
    public static Map<String, String> coordinatorProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("verdict.security.tokens." + CLIENT + ".token", CLIENT_TOKEN);
        properties.put("verdict.security.tokens." + CLIENT + ".roles", "CLIENT");
        properties.put("verdict.security.tokens." + PARTICIPANT + ".token", PARTICIPANT_TOKEN);
        properties.put("verdict.security.tokens." + PARTICIPANT + ".roles", "PARTICIPANT");
        properties.put("verdict.security.tokens." + OPERATOR + ".token", OPERATOR_TOKEN);
        properties.put("verdict.security.tokens." + OPERATOR + ".roles", "OPERATOR");
        properties.put("verdict.security.operators." + OPERATOR + ".password-hash", OPERATOR_PASSWORD_HASH);
        properties.put("verdict.security.default-signing-secret", SIGNING_SECRET);
        return properties;
    }

    /** The same settings as {@code key=value} strings, for {@code @SpringBootTest(properties = ...)}. */
    public static String[] coordinatorPropertyLines() {
        return coordinatorProperties().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new);
    }

    /** The same settings as command-line arguments of a coordinator process. */
    public static List<String> coordinatorArguments() {
        return coordinatorProperties().entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toList();
    }

    /** Arguments of a participant service (a bank): it registers with the participant token and checks signatures. */
    public static List<String> participantArguments() {
        return List.of("--verdict.token=" + PARTICIPANT_TOKEN, "--verdict.participant.signing-secret=" + SIGNING_SECRET);
    }

    /** Arguments of a client service: it begins and finishes with the client token, and sends the header to local banks. */
    public static List<String> clientArguments() {
        return List.of("--verdict.token=" + CLIENT_TOKEN, "--verdict.propagate-to=localhost");
    }

    public static Http asClient(Http http) {
        return http.withHeader("Authorization", "Bearer " + CLIENT_TOKEN);
    }

    public static Http asParticipant(Http http) {
        return http.withHeader("Authorization", "Bearer " + PARTICIPANT_TOKEN);
    }

    public static Http asOperator(Http http) {
        return http.withHeader("Authorization", "Bearer " + OPERATOR_TOKEN);
    }

    /** {@code base} followed by {@code more}: a process's arguments with the credentials it needs. */
    public static List<String> with(List<String> base, List<String> more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(more);
        return all;
    }
}
