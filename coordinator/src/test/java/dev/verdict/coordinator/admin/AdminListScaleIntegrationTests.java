package dev.verdict.coordinator.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.verdict.coordinator.TestCoordinator;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.TestCredentials;
import dev.verdict.testsupport.Http.Answer;

/**
 * The dashboard's queries on a log of 100,000 transactions: right answers, with the time each took
 * printed (measured, not asserted).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "verdict.coordinator.recovery-interval=1h")
class AdminListScaleIntegrationTests {

    private static final int TRANSACTIONS = 100_000;

    @DynamicPropertySource
    static void log(DynamicPropertyRegistry registry) throws Exception {
        TestCoordinator.freshLogAndCredentials(registry, "scale-log");
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource log;

    @Test
    void listAndOverviewAnswerRightOverAHundredThousandTransactions() {
        fill();
        Http admin = TestCredentials.asOperator(new Http("http://localhost:" + port));

        Answer newest = timed("first page", () -> admin.get("/api/v1/admin/transactions"));
        Answer inDoubt = timed("in doubt", () -> admin.get("/api/v1/admin/transactions?state=IN_DOUBT"));
        Answer byParticipant = timed("by participant", () -> admin.get("/api/v1/admin/transactions?participant=bank-7&size=20"));
        Answer search = timed("search", () -> admin.get("/api/v1/admin/transactions?q=scale-99999"));
        Answer deepPage = timed("page 1000", () -> admin.get("/api/v1/admin/transactions?page=1000&size=50"));
        Answer overview = timed("overview", () -> admin.get("/api/v1/admin/overview"));

        assertThat(newest.body().path("items").size()).isEqualTo(50);
        assertThat(newest.body().path("items").get(0).path("id").asString()).isEqualTo("scale-99999");
        assertThat(inDoubt.body().path("items").size()).isEqualTo(10);
        assertThat(byParticipant.body().path("items").size()).isEqualTo(20);
        assertThat(search.body().path("items").get(0).path("id").asString()).isEqualTo("scale-99999");
        assertThat(deepPage.body().path("items").size()).isEqualTo(50);
        assertThat(overview.body().path("counts").path("COMMITTED").asLong()).isEqualTo(TRANSACTIONS - 10);
        assertThat(overview.body().path("inDoubt").asLong()).isEqualTo(10);
    }

    private void fill() {
        JdbcTemplate jdbc = new JdbcTemplate(log);
        Instant start = Instant.now().minusSeconds(TRANSACTIONS);
        List<Object[]> transactions = new ArrayList<>();
        List<Object[]> branches = new ArrayList<>();
        for (int i = 0; i < TRANSACTIONS; i++) {
            Timestamp created = Timestamp.from(start.plusSeconds(i));
            String state = i % 10_000 == 0 ? "COMMITTING" : "COMMITTED";
            transactions.add(new Object[] {"scale-" + i, "transfer " + i, state, created, created, created, created, created});
            branches.add(new Object[] {"scale-" + i + "-b", "scale-" + i, "bank-" + (i % 10), state.equals("COMMITTED") ? "COMMITTED" : "PREPARED", created, created});
        }
        jdbc.batchUpdate("""
                INSERT INTO global_transaction (id, name, state, created_at, expires_at, decided_at, finished_at, updated_at, owner, lease_until)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'scale/1', '2999-01-01 00:00:00+00')""",
                transactions.stream().map(row -> row[2].equals("COMMITTING")
                        ? new Object[] {row[0], row[1], row[2], row[3], row[4], row[5], null, row[7]} : row).toList());
        jdbc.batchUpdate("""
                INSERT INTO branch (id, transaction_id, participant_name, url, state, attempts, registered_at, updated_at)
                VALUES (?, ?, ?, 'http://localhost:9/p', ?, 0, ?, ?)""", branches);
    }

    private static Answer timed(String what, java.util.function.Supplier<Answer> call) {
        long started = System.nanoTime();
        Answer answer = call.get();
        System.out.printf("admin query over %,d transactions, %s: %d ms%n", TRANSACTIONS, what, (System.nanoTime() - started) / 1_000_000);
        assertThat(answer.status()).as(answer.raw()).isEqualTo(200);
        return answer;
    }
}
