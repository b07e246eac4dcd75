package dev.verdict.it;

import java.util.List;

import dev.verdict.testsupport.EmbeddedPostgresServer;

/** Both banks and the coordinator's log on a real PostgreSQL, each in a database of its own. */
class PostgresTransferIntegrationTests extends TransferContract {

    @Override
    RunningSystem start() {
        String log = EmbeddedPostgresServer.newDatabase("log");
        return new RunningSystem(List.of("--spring.datasource.url=" + log, "--spring.datasource.username=postgres",
                        "--spring.datasource.password=postgres"),
                EmbeddedPostgresServer.newDatabase("bank_a"), EmbeddedPostgresServer.newDatabase("bank_b"),
                "postgres", "postgres");
    }
}
