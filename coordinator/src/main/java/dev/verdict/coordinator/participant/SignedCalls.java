package dev.verdict.coordinator.participant;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;

import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

import dev.verdict.coordinator.branch.Branch;
import dev.verdict.coordinator.security.Credentials;
import dev.verdict.protocol.BranchRequest;
import dev.verdict.protocol.CallSignature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Makes the coordinator's calls to participants, each signed with the secret shared with that participant
 * ({@link CallSignature}): the participant refuses any call it cannot verify, so nobody but the
 * coordinator can commit or roll back its branches. Every attempt gets a timestamp and nonce of its own.
 */
@Component
class SignedCalls {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Credentials credentials;
    private final ParticipantUrls urls;
    private final JsonMapper json;
    private final Clock clock;

    SignedCalls(Credentials credentials, ParticipantUrls urls, JsonMapper json, Clock clock) {
        this.credentials = credentials;
        this.urls = urls;
        this.json = json;
        this.clock = clock;
    }

    /** A POST of {@code action} (prepare, commit, rollback) to the branch's participant, signed and ready to send. */
    RestClient.RequestHeadersSpec<?> post(RestClient client, Branch branch, String action) {
        return post(client, branch, action, new BranchRequest(branch.transactionId(), branch.id()));
    }

    /**
     * A POST of {@code action} with {@code body} to the participant of {@code branch} (at its URL), signed with
     * that participant's secret and ready to send.
     */
    RestClient.RequestHeadersSpec<?> post(RestClient client, Branch branch, String action, Object body) {
        String secret = credentials.signingSecretFor(branch.participantName()).orElseThrow(() -> new IllegalStateException(
                "no signing secret is configured for participant '" + branch.participantName()
                        + "' (verdict.security.signing-secrets." + branch.participantName() + ")"));
        URI endpoint = endpoint(branch, action);
        byte[] bytes = json.writeValueAsBytes(body);
        long timestamp = clock.instant().getEpochSecond();
        byte[] nonceBytes = new byte[16];
        RANDOM.nextBytes(nonceBytes);
        String nonce = HexFormat.of().formatHex(nonceBytes);
        return client.post().uri(endpoint)
                .contentType(MediaType.APPLICATION_JSON)
                .header(CallSignature.TIMESTAMP, Long.toString(timestamp))
                .header(CallSignature.NONCE, nonce)
                .header(CallSignature.SIGNATURE, CallSignature.sign(secret, "POST", endpoint.getRawPath(), timestamp, nonce, bytes))
                .body(bytes);
    }

    private URI endpoint(Branch branch, String action) {
        String base = branch.url().endsWith("/") ? branch.url() : branch.url() + "/";
        URI endpoint = URI.create(base + action);
        urls.requireAllowed(endpoint);
        return endpoint;
    }
}
