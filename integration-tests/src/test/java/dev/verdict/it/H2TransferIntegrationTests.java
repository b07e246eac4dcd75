package dev.verdict.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Both banks and the coordinator's log on H2 files. */
class H2TransferIntegrationTests extends TransferContract {

    @Override
    RunningSystem start() throws Exception {
        Path directory = Files.createTempDirectory("h2-transfer").toAbsolutePath();
        return new RunningSystem(List.of("--verdict.coordinator.data-dir=" + directory),
                "jdbc:h2:file:" + directory.resolve("bank-a") + ";WRITE_DELAY=0",
                "jdbc:h2:file:" + directory.resolve("bank-b") + ";WRITE_DELAY=0", "bank", "");
    }
}
