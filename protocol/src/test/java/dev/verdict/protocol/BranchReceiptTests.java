package dev.verdict.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BranchReceiptTests {

    private static final String SECRET = "an example secret of at least 32 chars";
    private static final BranchReceipt RECEIPT = new BranchReceipt("node1-tx", "6f1c", "bank-a", "bank-a",
            "http://localhost:8081/verdict/participant");

    @Test
    void aReceiptReadsBackAsTheBranchItWasSignedFor() {
        String text = RECEIPT.sign(SECRET);

        assertThat(text).startsWith("v1.");
        assertThat(BranchReceipt.read(text)).isEqualTo(RECEIPT);
        assertThat(BranchReceipt.read(text).verify(SECRET, text)).isTrue();
    }

    @Test
    void anotherSecretOrAnyChangedFieldBreaksTheSignature() {
        String text = RECEIPT.sign(SECRET);
        String otherBranch = new BranchReceipt("node1-tx", "7a2d", "bank-a", "bank-a", RECEIPT.url()).sign(SECRET);
        String swapped = otherBranch.substring(0, otherBranch.lastIndexOf('.')) + text.substring(text.lastIndexOf('.'));

        assertThat(RECEIPT.verify("another secret", text)).isFalse();
        assertThat(RECEIPT.verify(null, text)).isFalse();
        assertThat(BranchReceipt.read(swapped).verify(SECRET, swapped)).as("another branch under this signature").isFalse();
    }

    @Test
    void theSignedTextIsTheOneTheProtocolDocumentSpecifies() throws Exception {
        String fields = "node1-tx\n6f1c\nbank-a\nbank-a\nhttp://localhost:8081/verdict/participant";
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
        java.util.Base64.Encoder base64url = java.util.Base64.getUrlEncoder().withoutPadding();

        assertThat(RECEIPT.sign(SECRET)).isEqualTo("v1." + base64url.encodeToString(fields.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                + "." + base64url.encodeToString(mac.doFinal(("verdict-receipt-v1\n" + fields).getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    }

    @Test
    void anythingElseIsRefusedWithWhatIsWrong() {
        assertThatThrownBy(() -> BranchReceipt.read("v2.a.b")).hasMessageContaining("v1.<fields>.<signature>");
        assertThatThrownBy(() -> BranchReceipt.read("v1.!!.b")).hasMessageContaining("base64url");
        assertThatThrownBy(() -> BranchReceipt.read("v1.YQ.b")).hasMessageContaining("five fields");
        assertThatThrownBy(() -> BranchReceipt.read("x".repeat(3000))).hasMessageContaining("at most 2048");
        assertThatThrownBy(() -> new BranchReceipt("has space", "b", "p", "p", "u")).hasMessageContaining("1 to 64");
    }
}
