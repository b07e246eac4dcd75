package dev.verdict.it;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

import dev.verdict.protocol.CallSignature;
import dev.verdict.testsupport.TestCredentials;

/**
 * The coordinator's calls to a participant as it sends them again itself (a retry, recovery beside the
 * happy path): the same request, signed anew with a fresh nonce and the current time. A byte-for-byte copy
 * would only meet the participant's replay check; a copy signed again reaches its branch logic, which must
 * take a repeated or late prepare, commit or rollback without changing an outcome.
 */
final class RepeatedCalls {

    private static final Set<String> SIGNATURE_HEADERS = Set.of(CallSignature.TIMESTAMP, CallSignature.NONCE, CallSignature.SIGNATURE)
            .stream().map(name -> name.toLowerCase(Locale.ROOT)).collect(java.util.stream.Collectors.toSet());

    private RepeatedCalls() {
    }

    /** {@code request}, a whole HTTP/1.1 request with a {@code Content-Length} body, signed again. */
    static byte[] signedAgain(byte[] request) {
        String text = new String(request, StandardCharsets.ISO_8859_1);
        int headEnd = text.indexOf("\r\n\r\n");
        String[] lines = text.substring(0, headEnd).split("\r\n");
        byte[] body = Arrays.copyOfRange(request, headEnd + 4, request.length);
        String[] requestLine = lines[0].split(" ");
        long timestamp = System.currentTimeMillis() / 1000;
        String nonce = "repeat-" + UUID.randomUUID();
        String signature = CallSignature.sign(TestCredentials.SIGNING_SECRET, requestLine[0], requestLine[1], timestamp, nonce, body);

        StringBuilder head = new StringBuilder(lines[0]).append("\r\n");
        for (int i = 1; i < lines.length; i++) {
            String name = lines[i].substring(0, Math.max(0, lines[i].indexOf(':'))).strip().toLowerCase(Locale.ROOT);
            if (!SIGNATURE_HEADERS.contains(name)) {
                head.append(lines[i]).append("\r\n");
            }
        }
        head.append(CallSignature.TIMESTAMP).append(": ").append(timestamp).append("\r\n")
                .append(CallSignature.NONCE).append(": ").append(nonce).append("\r\n")
                .append(CallSignature.SIGNATURE).append(": ").append(signature).append("\r\n\r\n");
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        copy.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        copy.writeBytes(body);
        return copy.toByteArray();
    }
}
