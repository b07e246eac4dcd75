package dev.verdict.coordinator.security;

/** What a caller may do. A caller may hold several. */
public enum Role {
    /** Begins, commits and rolls back global transactions, and reads those it began. */
    CLIENT,
    /** Registers its branches and asks how the transactions it takes part in ended. */
    PARTICIPANT,
    /** Uses the dashboard and the admin API, and reads health details and metrics. */
    OPERATOR;

    /** The Spring Security authority of this role. */
    public String authority() {
        return "ROLE_" + name();
    }
}
