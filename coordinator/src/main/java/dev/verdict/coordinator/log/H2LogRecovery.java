package dev.verdict.coordinator.log;

import java.util.Properties;

import org.h2.engine.ConnectionInfo;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.h2.store.fs.FileUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the file of an H2 log once, before the log's first connection, reading every chunk in it, so that H2
 * starts from the newest complete one.
 *
 * <p>Why: H2 finds its newest chunk by following a chain of predicted positions from the chunk its file header
 * names, and it writes that header only now and then. With the space of dead chunks reused
 * ({@code RETENTION_TIME=0}), a new chunk may overwrite a link of that chain before the header names a newer
 * chunk; a kill in that moment made H2's own start stop at the broken link and come back many versions old,
 * forced commit decisions included (seen in a randomized fault run, and reproduced by killing a process that
 * forces H2 commits: about one kill in a hundred). The chunks after the break are still whole on the disk,
 * every write being synchronous, and H2's recovery mode finds them: it scans the whole file for chunks and
 * takes the newest one whose pages are all there. Closing the store then writes a header that names it, so
 * the database opens from there.
 */
final class H2LogRecovery {

    private static final Logger log = LoggerFactory.getLogger(H2LogRecovery.class);
    private static final String FILE_SUFFIX = ".mv.db";

    private H2LogRecovery() {
    }

    /** Does nothing unless {@code url} names an embedded H2 database in a file that exists. */
    static void recover(String url, String user, String password) {
        if (!url.startsWith("jdbc:h2:")) {
            return;
        }
        ConnectionInfo info = new ConnectionInfo(url, new Properties(), user, password);
        if (!info.isPersistent() || info.isRemote()) {
            return;
        }
        if (info.getProperty("CIPHER", null) != null) {
            // the URL itself is not quoted: it may hold a password
            throw new IllegalStateException("the H2 log of spring.datasource.url is encrypted (CIPHER), and the"
                    + " coordinator cannot check an encrypted file for the newest complete chunk before it opens it:"
                    + " drop CIPHER from spring.datasource.url, or put the log on PostgreSQL");
        }
        String file = info.getName() + FILE_SUFFIX;
        if (!FileUtils.exists(file)) {
            return;
        }
        long started = System.nanoTime();
        long version;
        try (MVStore store = new MVStore.Builder().fileName(file).recoveryMode().open()) {
            version = store.getCurrentVersion();
        } catch (MVStoreException e) {
            if (e.getErrorCode() == DataUtils.ERROR_FILE_LOCKED) {
                throw new IllegalStateException("another process has the H2 log " + file + " open (with"
                        + " AUTO_SERVER=TRUE, a tool that connected while the coordinator was down serves it): stop"
                        + " that process, then start the coordinator, which must open its log itself", e);
            }
            throw e;
        }
        log.info("Opened the H2 log {} ({} KB) from its newest complete chunk, version {}, in {} ms", file,
                FileUtils.size(file) / 1024, version, (System.nanoTime() - started) / 1_000_000);
    }
}
