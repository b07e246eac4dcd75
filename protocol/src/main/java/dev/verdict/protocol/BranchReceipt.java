package dev.verdict.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * A participant's word that it has prepared a branch of a global transaction: what a registration of a
 * prepared branch says, signed with the secret the participant shares with the coordinator, and carried to
 * the coordinator by the client in its commit or rollback instead of sent by the participant. Specified in
 * src-docs/protocol.md:
 *
 * <pre>
 * v1.base64url(FIELDS).base64url(HMAC-SHA256(secret, "verdict-receipt-v1" LF FIELDS))
 * FIELDS = transactionId LF branchId LF participant LF principal LF url
 * </pre>
 *
 * The text signed starts differently from a signed call's, so that neither signature can pass for the other.
 *
 * @param transactionId the global transaction the branch belongs to
 * @param branchId the id the participant prepared its branch under
 * @param participant the participant's name, under which the coordinator holds its signing secret
 * @param principal the name the participant authenticates to the coordinator with, which may ask about the branch
 * @param url the base URL at which the coordinator reaches the participant
 */
public record BranchReceipt(String transactionId, String branchId, String participant, String principal, String url) {

    /** The response header in which a participant returns a receipt to the client. */
    public static final String HEADER = "Verdict-Branch-Receipt";
    /** The request header by which a client asks for a receipt instead of a registration; its value is {@value #COLLECT}. */
    public static final String REQUEST_HEADER = "Verdict-Receipts";
    public static final String COLLECT = "collect";
    /** The longest receipt the coordinator reads. */
    public static final int MAX_LENGTH = 2048;

    private static final String VERSION = "v1";
    private static final String CONTEXT = "verdict-receipt-v1\n";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    public BranchReceipt {
        for (String field : new String[] {transactionId, branchId, participant, principal, url}) {
            if (field == null || field.isEmpty() || field.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("every field of a receipt is one non-empty line");
            }
        }
        if (!ID.matcher(transactionId).matches() || !ID.matcher(branchId).matches()) {
            throw new IllegalArgumentException("a receipt's transaction and branch ids are 1 to 64 letters, digits, '.', '_',"
                    + " ':' or '-'");
        }
    }

    /** The receipt as sent: its fields and their signature with the participant's {@code secret}. */
    public String sign(String secret) {
        String fields = fields();
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        return VERSION + "." + base64.encodeToString(fields.getBytes(StandardCharsets.UTF_8)) + "."
                + base64.encodeToString(CallSignature.hmac(secret, CONTEXT + fields));
    }

    /**
     * The receipt in {@code text}, unchecked: who it claims to come from, so that the reader can find the secret
     * to {@link #verify} it with. Throws {@link IllegalArgumentException}, saying what is wrong, for anything that
     * is not a receipt.
     */
    public static BranchReceipt read(String text) {
        String[] parts = parts(text);
        String fields;
        try {
            fields = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a receipt's fields must be base64url");
        }
        String[] values = fields.split("\n", -1);
        if (values.length != 5) {
            throw new IllegalArgumentException("a receipt has five fields (transaction, branch, participant, principal, url),"
                    + " not " + values.length);
        }
        return new BranchReceipt(values[0], values[1], values[2], values[3], values[4]);
    }

    /** Whether {@code text} is this receipt signed with {@code secret}, compared in constant time. */
    public boolean verify(@Nullable String secret, String text) {
        if (secret == null) {
            return false;
        }
        return MessageDigest.isEqual(sign(secret).getBytes(StandardCharsets.UTF_8), text.getBytes(StandardCharsets.UTF_8));
    }

    private String fields() {
        return String.join("\n", transactionId, branchId, participant, principal, url);
    }

    private static String[] parts(@Nullable String text) {
        if (text == null || text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("a receipt is a string of at most " + MAX_LENGTH + " characters");
        }
        String[] parts = text.split("\\.", -1);
        if (parts.length != 3 || !VERSION.equals(parts[0])) {
            throw new IllegalArgumentException("a receipt reads v1.<fields>.<signature>");
        }
        return parts;
    }
}
