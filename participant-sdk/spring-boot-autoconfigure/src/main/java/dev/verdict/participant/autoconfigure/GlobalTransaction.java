package dev.verdict.participant.autoconfigure;

import java.time.Instant;

/** A global transaction as the client sees it: its id, and until when it may stay active. */
public record GlobalTransaction(String id, Instant expiresAt) {
}
