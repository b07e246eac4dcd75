package dev.verdict.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class CallSignatureTests {

    private static final byte[] BODY = "{\"transactionId\":\"node1-t\",\"branchId\":\"b\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void theSignedTextIsTheOneTheProtocolDocumentSpecifies() {
        assertThat(CallSignature.canonical("POST", "/verdict/participant/commit", 1767225600L, "n-1", "".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("verdict-v1\nPOST\n/verdict/participant/commit\n1767225600\nn-1\n"
                        + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void aKnownSecretAndCallGiveAKnownSignature() {
        // the example of src-docs/protocol.md, so that an implementation in another language can check itself
        assertThat(CallSignature.sign("an example secret of at least 32 chars", "POST", "/verdict/participant/commit",
                1767225600L, "5f2b9c7e", BODY)).isEqualTo(EXAMPLE_SIGNATURE);
    }

    @Test
    void anyChangeOfTheCallOrTheSecretBreaksTheSignature() {
        String secret = "an example secret of at least 32 chars";
        String signature = CallSignature.sign(secret, "POST", "/verdict/participant/commit", 1767225600L, "5f2b9c7e", BODY);

        assertThat(CallSignature.matches(secret, signature, "POST", "/verdict/participant/commit", 1767225600L, "5f2b9c7e", BODY)).isTrue();
        assertThat(CallSignature.matches("another secret", signature, "POST", "/verdict/participant/commit", 1767225600L, "5f2b9c7e", BODY)).isFalse();
        assertThat(CallSignature.matches(secret, signature, "POST", "/verdict/participant/rollback", 1767225600L, "5f2b9c7e", BODY)).isFalse();
        assertThat(CallSignature.matches(secret, signature, "POST", "/verdict/participant/commit", 1767225601L, "5f2b9c7e", BODY)).isFalse();
        assertThat(CallSignature.matches(secret, signature, "POST", "/verdict/participant/commit", 1767225600L, "other", BODY)).isFalse();
        assertThat(CallSignature.matches(secret, signature, "POST", "/verdict/participant/commit", 1767225600L, "5f2b9c7e",
                "{}".getBytes(StandardCharsets.UTF_8))).isFalse();
    }

    /** Computed with openssl, not with this class: printf '<signed text>' | openssl dgst -sha256 -hmac '<secret>' -binary | base64 */
    static final String EXAMPLE_SIGNATURE = "v1=0bOVjSqhSmz3onxrT+SeNdtwt47p0HoebKaTHk026VA=";
}
