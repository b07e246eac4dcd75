package dev.verdict.participant;

import org.jspecify.annotations.Nullable;

/** A participant's answer to prepare, as sent on the wire: {@code {"vote": "PREPARED"}}. */
public record PrepareVote(String vote, @Nullable String detail) {

    public static final String PREPARED = "PREPARED";
    public static final String READ_ONLY = "READ_ONLY";
    public static final String ABORT = "ABORT";

    static PrepareVote prepared() {
        return new PrepareVote(PREPARED, null);
    }

    static PrepareVote readOnly() {
        return new PrepareVote(READ_ONLY, null);
    }

    static PrepareVote abort(String why) {
        return new PrepareVote(ABORT, why);
    }
}
