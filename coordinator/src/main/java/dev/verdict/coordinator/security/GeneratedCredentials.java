package dev.verdict.coordinator.security;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Credentials the coordinator makes for itself at first start when none are configured, so that it is
 * never open: a token for clients, one for participants, one and a password for an operator, and the
 * secret it signs participant calls with. They go to {@code verdict-credentials.properties} in the data
 * directory, readable by the coordinator's user only, under the {@code verdict.generated.*} names that the
 * samples read; the next start reads them back. Configure credentials of your own to stop using them.
 */
record GeneratedCredentials(Path file, String clientToken, String participantToken, String operatorToken,
        String operatorName, String operatorPassword, String signingSecret) {

    private static final Logger log = LoggerFactory.getLogger(GeneratedCredentials.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    static final String FILE_NAME = "verdict-credentials.properties";

    /** Reads the credentials made at an earlier start, or makes them now. */
    static GeneratedCredentials loadOrCreate(Path dataDirectory) {
        Path file = dataDirectory.toAbsolutePath().resolve(FILE_NAME);
        try {
            if (!Files.exists(file)) {
                create(file);
            }
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file)) {
                properties.load(reader);
            }
            GeneratedCredentials credentials = new GeneratedCredentials(file, required(properties, file, "client-token"),
                    required(properties, file, "participant-token"), required(properties, file, "operator-token"),
                    required(properties, file, "operator-name"), required(properties, file, "operator-password"),
                    required(properties, file, "signing-secret"));
            log.warn("No credentials are configured (verdict.security.tokens, verdict.security.operators): using those"
                    + " made for this installation in {}, readable by this user only. Configure your own for production.", file);
            return credentials;
        } catch (IOException e) {
            throw new UncheckedIOException("No credentials are configured and the coordinator could not make its own in " + file
                    + " (" + e.getMessage() + "). Make the data directory (verdict.coordinator.data-dir) writable, or configure"
                    + " verdict.security.tokens and verdict.security.operators.", e);
        }
    }

    private static void create(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        String content = """
                # Made by the Verdict coordinator at its first start, because no credentials were configured.
                # Keep it secret. Configure verdict.security.* of your own to stop using it (src-docs/security.md).
                verdict.generated.client-token=%s
                verdict.generated.participant-token=%s
                verdict.generated.operator-token=%s
                verdict.generated.operator-name=operator
                verdict.generated.operator-password=%s
                verdict.generated.signing-secret=%s
                """.formatted(secret(), secret(), secret(), secret(), secret());
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(file);
        } catch (FileAlreadyExistsException anotherStartMadeIt) {
            return;
        }
        try (Writer writer = Files.newBufferedWriter(file, StandardOpenOption.TRUNCATE_EXISTING)) {
            writer.write(content);
        }
    }

    private static String required(Properties properties, Path file, String name) {
        String value = properties.getProperty("verdict.generated." + name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(file + " lacks verdict.generated." + name + "; delete the file to have it made again");
        }
        return value.strip();
    }

    /** 32 random bytes, base64url: a token nobody guesses. */
    private static String secret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
