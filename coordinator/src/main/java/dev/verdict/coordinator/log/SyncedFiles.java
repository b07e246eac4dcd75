package dev.verdict.coordinator.log;

import java.io.IOException;
import java.nio.channels.FileChannel;

import org.h2.store.fs.FilePath;
import org.h2.store.fs.FilePathWrapper;

/**
 * H2's file system under the prefix {@value #SCHEME}: the H2 log opened as {@code jdbc:h2:file:sync:<path>} has
 * its file opened for synchronous writes ({@code O_DSYNC}), so every write H2 makes to it is on the disk when the
 * write returns, in the order H2 made them, the background writer's included. That is what H2 asks of the file
 * system before it may reuse the space of old chunks at once ({@code RETENTION_TIME=0}); with its default of 45 s
 * the file of a busy log grows by gigabytes. Reused space has one more cost, which {@link H2LogRecovery} pays at
 * start-up: a kill can leave H2's own start unable to find the newest chunks.
 */
public final class SyncedFiles extends FilePathWrapper {

    /** The prefix of a database path whose files are written synchronously. */
    public static final String SCHEME = "sync";

    /** Makes the prefix known to H2 in this JVM; a path with an unknown prefix would be read as a plain file name. */
    public static void register() {
        FilePath.register(new SyncedFiles());
    }

    /** H2 makes one for each path, by reflection. */
    public SyncedFiles() {
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public FileChannel open(String mode) throws IOException {
        return super.open("rw".equals(mode) ? "rwd" : mode);
    }
}
