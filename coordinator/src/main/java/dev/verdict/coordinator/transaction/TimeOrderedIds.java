package dev.verdict.coordinator.transaction;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Ids that sort by the time they were made: UUIDs of version 7 (RFC 9562), 48 bits of Unix milliseconds
 * and then 74 random bits. The log's B-trees are keyed by them, so the rows of the transactions under way
 * sit together at the right edge of each tree, and a commit of the log rewrites a few pages there rather
 * than pages scattered across the whole table.
 */
public final class TimeOrderedIds {

    private static final SecureRandom RANDOM = new SecureRandom();

    private TimeOrderedIds() {
    }

    public static String next() {
        return at(System.currentTimeMillis());
    }

    /**
     * When the transaction id {@code transactionId} (a node id, a dash, one of these ids) was made, or empty if
     * it is not such an id.
     */
    public static Optional<Instant> timeOf(String transactionId) {
        if (transactionId.length() < 38 || transactionId.charAt(transactionId.length() - 37) != '-') {
            return Optional.empty();
        }
        try {
            UUID id = UUID.fromString(transactionId.substring(transactionId.length() - 36));
            return id.version() == 7 ? Optional.of(Instant.ofEpochMilli(id.getMostSignificantBits() >>> 16)) : Optional.empty();
        } catch (IllegalArgumentException notAnId) {
            return Optional.empty();
        }
    }

    /** An id of the millisecond {@code epochMillis}. */
    static String at(long epochMillis) {
        byte[] random = new byte[10];
        RANDOM.nextBytes(random);
        long mostSignificant = (epochMillis << 16) | 0x7000L | ((random[0] & 0x0FL) << 8) | (random[1] & 0xFFL);
        long leastSignificant = 0x8000000000000000L | (random[2] & 0x3FL) << 56;
        for (int i = 3; i < 10; i++) {
            leastSignificant |= (random[i] & 0xFFL) << (8 * (9 - i));
        }
        return new UUID(mostSignificant, leastSignificant).toString();
    }
}
