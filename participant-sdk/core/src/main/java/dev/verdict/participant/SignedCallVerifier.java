package dev.verdict.participant;

import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import dev.verdict.protocol.CallSignature;

/**
 * Checks that a prepare, commit or rollback comes from the coordinator: signed with the secret this
 * participant shares with it ({@link CallSignature}), recent ({@code maxAge} either way, for clocks that
 * differ), and never seen before (its nonce is remembered for that long). A call that fails any of these is
 * refused before it touches a branch.
 */
public final class SignedCallVerifier {

    private static final int MAX_REMEMBERED_NONCES = 1_000_000;

    private final String secret;
    private final Duration maxAge;
    private final Clock clock;
    /** Nonces of accepted calls, with the epoch second after which they can be forgotten. */
    private final Map<String, Long> seen = new ConcurrentHashMap<>();

    public SignedCallVerifier(String secret, Duration maxAge, Clock clock) {
        if (secret.length() < 32) {
            throw new IllegalArgumentException("verdict.participant.signing-secret is too short: it needs at least 32 characters,"
                    + " the secret the coordinator was given for this participant (verdict.security.signing-secrets.<name>)");
        }
        this.secret = secret;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    /** A call that cannot be accepted, and why. */
    public static final class RefusedCallException extends RuntimeException {
        RefusedCallException(String message) {
            super(message);
        }
    }

    /** Accepts the call or throws {@link RefusedCallException}; accepting it uses up its nonce. */
    public void verify(String method, String path, @Nullable String timestamp, @Nullable String nonce,
            @Nullable String signature, byte[] body) {
        if (timestamp == null || nonce == null || signature == null) {
            throw new RefusedCallException("the call is not signed: it needs the headers " + CallSignature.TIMESTAMP + ", "
                    + CallSignature.NONCE + " and " + CallSignature.SIGNATURE);
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp.strip());
        } catch (NumberFormatException e) {
            throw new RefusedCallException(CallSignature.TIMESTAMP + " is not a number of seconds");
        }
        long now = clock.instant().getEpochSecond();
        if (Math.abs(now - seconds) > maxAge.toSeconds()) {
            throw new RefusedCallException("the call was signed at " + seconds + ", more than " + maxAge.toSeconds()
                    + " seconds from this participant's clock (" + now + ")");
        }
        if (nonce.isBlank() || nonce.length() > 128) {
            throw new RefusedCallException(CallSignature.NONCE + " must be 1 to 128 characters");
        }
        if (!CallSignature.matches(secret, signature.strip(), method, path, seconds, nonce, body)) {
            throw new RefusedCallException("the signature does not match the call: it was not signed with this participant's secret");
        }
        if (seen.putIfAbsent(nonce, seconds + maxAge.toSeconds()) != null) {
            throw new RefusedCallException("the call was made before (its nonce was used already): a replay is refused");
        }
        if (seen.size() > MAX_REMEMBERED_NONCES / 2) {
            forgetOld(now);
        }
    }

    /** Nonces past their age can go: a call carrying one would be refused for its timestamp anyway. */
    private void forgetOld(long now) {
        for (Iterator<Map.Entry<String, Long>> entries = seen.entrySet().iterator(); entries.hasNext(); ) {
            if (entries.next().getValue() < now) {
                entries.remove();
            }
        }
        if (seen.size() > MAX_REMEMBERED_NONCES) {
            throw new RefusedCallException("too many calls in " + maxAge + " to tell replays apart; slow down");
        }
    }
}
