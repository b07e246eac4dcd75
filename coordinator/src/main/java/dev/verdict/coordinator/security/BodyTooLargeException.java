package dev.verdict.coordinator.security;

import java.io.IOException;

/** A request body read past {@code verdict.security.max-body-size}, when it came without its length; answered 413. */
public final class BodyTooLargeException extends IOException {

    BodyTooLargeException(long limit) {
        super("the body is longer than the " + limit + " bytes this coordinator accepts (verdict.security.max-body-size)");
    }
}
