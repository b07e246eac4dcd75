package dev.verdict.participant;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import javax.transaction.xa.Xid;

import org.jspecify.annotations.Nullable;

/**
 * The XA id of a branch: the global transaction id as the global part, the coordinator's branch id
 * as the qualifier, and a format id of our own so that branches of other transaction managers in the
 * same database are never mistaken for ours.
 */
public record BranchXid(String transactionId, String branchId) implements Xid {

    /** "VRDC" in ASCII. */
    public static final int FORMAT_ID = 0x56524443;

    public BranchXid {
        if (transactionId.getBytes(StandardCharsets.UTF_8).length > MAXGTRIDSIZE
                || branchId.getBytes(StandardCharsets.UTF_8).length > MAXBQUALSIZE) {
            throw new IllegalArgumentException("transaction id and branch id must fit in 64 bytes each: "
                    + transactionId + " / " + branchId);
        }
    }

    /** Reads back one of our Xids, or null for a branch of some other transaction manager. */
    public static @Nullable BranchXid from(Xid xid) {
        if (xid.getFormatId() != FORMAT_ID) {
            return null;
        }
        return new BranchXid(new String(xid.getGlobalTransactionId(), StandardCharsets.UTF_8),
                new String(xid.getBranchQualifier(), StandardCharsets.UTF_8));
    }

    @Override
    public int getFormatId() {
        return FORMAT_ID;
    }

    @Override
    public byte[] getGlobalTransactionId() {
        return transactionId.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] getBranchQualifier() {
        return branchId.getBytes(StandardCharsets.UTF_8);
    }

    /** Equal to any Xid with the same three parts, as the XA specification asks. */
    public boolean sameAs(Xid other) {
        return other.getFormatId() == FORMAT_ID
                && Arrays.equals(other.getGlobalTransactionId(), getGlobalTransactionId())
                && Arrays.equals(other.getBranchQualifier(), getBranchQualifier());
    }
}
