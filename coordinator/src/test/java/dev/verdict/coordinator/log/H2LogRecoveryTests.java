package dev.verdict.coordinator.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Random;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kill between H2's two writes of one commit, the new chunk and then the file header that names it, leaves
 * the file as it is after the commit with the header from before it. Every such moment of a store that reuses
 * the space of dead chunks at once is replayed here, from real files: what H2's own start recovers from each,
 * and what it recovers after {@link H2LogRecovery}.
 */
class H2LogRecoveryTests {

    private static final int BLOCK = 4096;
    private static final int HEADER_BYTES = 2 * BLOCK;

    @TempDir
    Path directory;

    @Test
    void everyCommitThatReturnedIsFoundAfterAKillBetweenAChunkAndTheHeaderThatNamesIt() throws IOException {
        Path live = directory.resolve("live.mv.db");
        Random random = new Random(42);
        int killMoments = 0;
        int lostByH2sOwnStart = 0;
        try (MVStore store = new MVStore.Builder().fileName(live.toString()).autoCommitDisabled().open()) {
            store.setRetentionTime(0); // as the shipped log: dead chunks' space is reused at once
            MVMap<Integer, String> decisions = store.openMap("decisions");
            MVMap<Integer, String> churn = store.openMap("churn");
            byte[] header = header(live);
            for (int committed = 0; committed < 1500; committed++) {
                decisions.put(committed, "decision " + committed);
                // lazy writes beside it: rows that come and go, so that chunks die and their space is reused
                churn.put(committed, "x".repeat(random.nextInt(600)));
                churn.remove(committed - 1 - random.nextInt(5));
                store.commit();
                byte[] next = header(live);
                if (!Arrays.equals(header, next)) {
                    // the kill: this commit's chunk is on the disk, the header that names it is not
                    Path image = crashImage(live, header, "image-" + committed);
                    killMoments++;
                    if (!holdsEveryDecisionBefore(copy(image, "plain-" + committed), committed)) {
                        lostByH2sOwnStart++;
                    }
                    Path recovered = copy(image, "recovered-" + committed);
                    H2LogRecovery.recover("jdbc:h2:file:" + stripSuffix(recovered), "", "");
                    assertThat(holdsEveryDecisionBefore(recovered, committed))
                            .as("after a kill at commit %d, every earlier commit is found", committed).isTrue();
                }
                header = next;
            }
        }
        assertThat(killMoments).isGreaterThan(10);
        // the case this guards against happened: H2's own start came back without commits that had returned
        assertThat(lostByH2sOwnStart).isPositive();
    }

    @Test
    void aLogThatAnotherProcessHoldsOpenStopsTheStartAndSaysWhatToDo() {
        Path log = directory.resolve("held");
        try (MVStore held = new MVStore.Builder().fileName(log + ".mv.db").open()) {
            held.openMap("decisions").put(1, "decision 1");
            held.commit();

            assertThatThrownBy(() -> H2LogRecovery.recover("jdbc:h2:file:" + log + ";AUTO_SERVER=TRUE", "", ""))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("another process has the H2 log")
                    .hasMessageContaining("stop that process");
        }
    }

    @Test
    void aLogInMemoryOrNotYetCreatedIsLeftAlone() {
        H2LogRecovery.recover("jdbc:h2:mem:log", "", "");
        H2LogRecovery.recover("jdbc:h2:file:" + directory.resolve("new"), "", "");

        assertThat(directory.resolve("new.mv.db")).doesNotExist();
    }

    @Test
    void anEncryptedLogStopsTheStart() throws IOException {
        Files.writeString(directory.resolve("secret.mv.db"), "not read");

        assertThatThrownBy(() -> H2LogRecovery.recover("jdbc:h2:file:" + directory.resolve("secret") + ";CIPHER=AES", "", "k v"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("drop CIPHER");
    }

    private static boolean holdsEveryDecisionBefore(Path file, int committed) {
        try (MVStore store = new MVStore.Builder().fileName(file.toString()).readOnly().open()) {
            MVMap<Integer, String> decisions = store.openMap("decisions");
            for (int i = 0; i < committed; i++) {
                if (!("decision " + i).equals(decisions.get(i))) {
                    return false;
                }
            }
            return true;
        } catch (RuntimeException corrupt) {
            return false;
        }
    }

    private static byte[] header(Path file) throws IOException {
        byte[] bytes = new byte[HEADER_BYTES];
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            raf.readFully(bytes);
        }
        return bytes;
    }

    private Path crashImage(Path live, byte[] oldHeader, String name) throws IOException {
        Path image = copy(live, name);
        try (RandomAccessFile raf = new RandomAccessFile(image.toFile(), "rw")) {
            raf.write(oldHeader);
        }
        return image;
    }

    private Path copy(Path file, String name) throws IOException {
        return Files.copy(file, directory.resolve(name + ".mv.db"), StandardCopyOption.REPLACE_EXISTING);
    }

    private static String stripSuffix(Path file) {
        String name = file.toString();
        return name.substring(0, name.length() - ".mv.db".length());
    }
}
