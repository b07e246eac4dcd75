package dev.verdict.coordinator.transaction;

import org.jspecify.annotations.Nullable;

/**
 * The answer to a commit or rollback: the transaction as it ended up, and the next transaction the client asked
 * to begin with it, if one was begun (it is in the log, ACTIVE).
 */
public record Finished(TransactionDetails details, @Nullable GlobalTransaction next) {
}
