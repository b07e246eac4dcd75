package dev.verdict.coordinator.transaction;

/** A request refused for a {@link Refusal}, with a sentence saying what to do. Nothing was changed. */
public class RefusedException extends RuntimeException {

    private final Refusal refusal;

    public RefusedException(Refusal refusal, String message) {
        super(message);
        this.refusal = refusal;
    }

    public Refusal refusal() {
        return refusal;
    }
}
