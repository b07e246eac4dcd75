package dev.verdict.coordinator.participant;

/** What a participant answered to prepare, and in its words why, for a no. */
public record Vote(Kind kind, String detail) {

    public enum Kind {
        PREPARED, READ_ONLY, ABORT
    }

    public boolean isYes() {
        return kind != Kind.ABORT;
    }

    static Vote no(String detail) {
        return new Vote(Kind.ABORT, detail);
    }
}
