package dev.verdict.testsupport;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The check of a coordinator call's signature exactly as src-docs/protocol.md describes it, written from the
 * document and not from the coordinator's code: if the two ever disagree, the participants built from the
 * document fail their tests.
 */
final class DocumentedSignature {

    private static final long MAX_SKEW_SECONDS = 300;

    private final byte[] secret;
    private final Set<String> usedNonces = ConcurrentHashMap.newKeySet();

    DocumentedSignature(String secret) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    /** Why the call must be refused, or null when it is the coordinator's and new. */
    String refusal(String method, String path, String timestamp, String nonce, String signature, byte[] body) {
        if (timestamp == null || nonce == null || signature == null) {
            return "unsigned";
        }
        long signedAt;
        try {
            signedAt = Long.parseLong(timestamp);
        } catch (NumberFormatException e) {
            return "bad timestamp";
        }
        if (Math.abs(System.currentTimeMillis() / 1000 - signedAt) > MAX_SKEW_SECONDS) {
            return "stale";
        }
        try {
            String bodyDigest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
            String signed = String.join("\n", "verdict-v1", method, path, timestamp, nonce, bodyDigest);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            byte[] expected = ("v1=" + Base64.getEncoder().encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8))))
                    .getBytes(StandardCharsets.UTF_8);
            if (!MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.UTF_8))) {
                return "wrong signature";
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        return usedNonces.add(nonce) ? null : "replayed nonce";
    }

    /** A branch receipt as src-docs/protocol.md describes it, signed with this secret. */
    String receipt(String transactionId, String branchId, String participant, String principal, String url) {
        String fields = String.join("\n", transactionId, branchId, participant, principal, url);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            Base64.Encoder base64url = Base64.getUrlEncoder().withoutPadding();
            return "v1." + base64url.encodeToString(fields.getBytes(StandardCharsets.UTF_8)) + "."
                    + base64url.encodeToString(mac.doFinal(("verdict-receipt-v1\n" + fields).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
