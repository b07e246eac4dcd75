package dev.verdict.protocol;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature of the coordinator's calls to a participant (prepare, commit, rollback), so that only the
 * coordinator, which shares a secret with the participant, can make them. Specified in
 * src-docs/protocol.md: HMAC-SHA256 with the shared secret over
 *
 * <pre>
 * verdict-v1 LF METHOD LF PATH LF TIMESTAMP LF NONCE LF hex(SHA-256(BODY))
 * </pre>
 *
 * sent as {@code Verdict-Timestamp} (Unix seconds), {@code Verdict-Nonce} and
 * {@code Verdict-Signature: v1=<base64 of the HMAC>}. The secret is its UTF-8 bytes.
 */
public final class CallSignature {

    public static final String TIMESTAMP = "Verdict-Timestamp";
    public static final String NONCE = "Verdict-Nonce";
    public static final String SIGNATURE = "Verdict-Signature";
    private static final String VERSION = "v1=";

    private CallSignature() {
    }

    /** The text that is signed. */
    public static String canonical(String method, String path, long timestamp, String nonce, byte[] body) {
        return "verdict-v1\n" + method + "\n" + path + "\n" + timestamp + "\n" + nonce + "\n" + HexFormat.of().formatHex(sha256(body));
    }

    /** The value of the {@code Verdict-Signature} header. */
    public static String sign(String secret, String method, String path, long timestamp, String nonce, byte[] body) {
        return VERSION + Base64.getEncoder().encodeToString(hmac(secret, canonical(method, path, timestamp, nonce, body)));
    }

    /** Whether {@code signature} is the right one, compared in constant time. */
    public static boolean matches(String secret, String signature, String method, String path, long timestamp, String nonce,
            byte[] body) {
        byte[] expected = sign(secret, method, path, timestamp, nonce, body).getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] hmac(String secret, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("the JDK cannot compute HMAC-SHA256", e);
        }
    }

    private static byte[] sha256(byte[] body) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(body);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
