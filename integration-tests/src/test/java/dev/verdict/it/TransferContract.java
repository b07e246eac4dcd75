package dev.verdict.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;

import dev.verdict.participant.TransactionContext;
import dev.verdict.participant.autoconfigure.GlobalTransaction;
import dev.verdict.participant.autoconfigure.GlobalTransactionAbortedException;
import dev.verdict.participant.autoconfigure.GlobalTransactions;
import dev.verdict.samples.transfer.Transfers;
import dev.verdict.samples.transfer.Transfers.Bank;
import dev.verdict.testsupport.Http;
import dev.verdict.testsupport.TestCredentials;
import dev.verdict.testsupport.ProtocolParticipant;
import dev.verdict.testsupport.ProtocolParticipant.Behaviour;

/**
 * Money moves between two banks with separate databases, through the participant SDK: committed in
 * both or in neither. Subclasses run it on H2 and on PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TransferContract {

    RunningSystem system;
    Http coordinator;
    long totalBefore;

    abstract RunningSystem start() throws Exception;

    @BeforeAll
    void startSystem() throws Exception {
        system = start();
        coordinator = TestCredentials.asClient(new Http(system.coordinatorUrl));
    }

    @AfterAll
    void stopSystem() {
        system.close();
    }

    @org.junit.jupiter.api.BeforeEach
    void rememberTotal() {
        totalBefore = system.bankA.total() + system.bankB.total();
    }

    @AfterEach
    void noBranchIsLeftPreparedOrOpenAndNoMoneyAppearedOrVanished() {
        await().untilAsserted(() -> {
            assertThat(system.bankA.openBranches()).isZero();
            assertThat(system.bankB.openBranches()).isZero();
        });
        assertThat(system.bankA.preparedTransactions()).isEmpty();
        assertThat(system.bankB.preparedTransactions()).isEmpty();
        assertThat(system.bankA.total() + system.bankB.total()).isEqualTo(totalBefore);
    }

    @Test
    void aTransferCommitsInBothDatabases() {
        long fromBefore = system.bankA.balance(1);
        long toBefore = system.bankB.balance(2);

        Transfers.Result result = system.transfers().transfer(Bank.A, 1, 2, 10_00);

        assertThat(result.committed()).as(result.detail()).isTrue();
        assertThat(system.bankA.balance(1)).isEqualTo(fromBefore - 10_00);
        assertThat(system.bankB.balance(2)).isEqualTo(toBefore + 10_00);
        Http.Answer logged = coordinator.get("/api/v1/transactions/" + result.transactionId());
        assertThat(logged.text("status")).isEqualTo("COMMITTED");
        assertThat(logged.body().path("branches").valueStream().map(branch -> branch.path("status").asString()))
                .containsExactly("COMMITTED", "COMMITTED");
        // bank a prepares as its request ends, so the client carried its receipt; bank b registered
        assertThat(logged.raw()).contains("by a receipt the client carried");
    }

    @Test
    void anOverdraftFailsTheBusinessCallAndNeitherDatabaseChanges() {
        long fromBefore = system.bankA.balance(3);
        long toBefore = system.bankB.balance(3);

        Transfers.Result result = system.transfers().transfer(Bank.A, 3, 3, fromBefore + 1);

        assertThat(result.committed()).isFalse();
        assertThat(result.detail()).contains("422", "cannot be debited");
        assertThat(system.bankA.balance(3)).isEqualTo(fromBefore);
        assertThat(system.bankB.balance(3)).isEqualTo(toBefore);
        assertThat(coordinator.get("/api/v1/transactions/" + result.transactionId()).text("status")).isEqualTo("ABORTED");
    }

    @Test
    void aFailureAfterTheFirstBankDidItsWorkUndoesThatWork() {
        long fromBefore = system.bankA.balance(4);

        Transfers.Result result = system.transfers().transfer(Bank.A, 4, 99, 5_00);

        assertThat(result.committed()).isFalse();
        assertThat(result.detail()).contains("404");
        assertThat(system.bankA.balance(4)).isEqualTo(fromBefore);
    }

    @Test
    void aParticipantVotingNoAtPrepareAbortsTheTransferInBothBanks() throws Exception {
        long fromBefore = system.bankA.balance(1);
        long toBefore = system.bankB.balance(1);
        try (ProtocolParticipant auditor = new ProtocolParticipant("auditor", system.coordinatorUrl,
                "jdbc:h2:mem:auditor;DB_CLOSE_DELAY=-1").behave(Behaviour.VOTE_NO)) {
            GlobalTransactions transactions = system.transactions();
            GlobalTransaction tx = transactions.begin("audited transfer", Duration.ofSeconds(30));
            try (var ignored = TransactionContext.bind(tx.id())) {
                bank(system.bankA.url()).post().uri("/accounts/1/debit").body(Map.of("cents", 7_00)).retrieve().toBodilessEntity();
                bank(system.bankB.url()).post().uri("/accounts/1/credit").body(Map.of("cents", 7_00)).retrieve().toBodilessEntity();
                auditor.doWork(tx.id());
            }

            assertThatThrownBy(() -> transactions.commit(tx.id()))
                    .isInstanceOf(GlobalTransactionAbortedException.class)
                    .hasMessageContaining("participant 'auditor' voted no");
        }
        assertThat(system.bankA.balance(1)).isEqualTo(fromBefore);
        assertThat(system.bankB.balance(1)).isEqualTo(toBefore);
    }

    @Test
    void anExplicitRollbackLeavesBothDatabasesUnchanged() {
        long fromBefore = system.bankA.balance(2);
        long toBefore = system.bankB.balance(2);
        GlobalTransactions transactions = system.transactions();
        GlobalTransaction tx = transactions.begin("changed my mind", null);
        try (var ignored = TransactionContext.bind(tx.id())) {
            bank(system.bankA.url()).post().uri("/accounts/2/debit").body(Map.of("cents", 3_00)).retrieve().toBodilessEntity();
            bank(system.bankB.url()).post().uri("/accounts/2/credit").body(Map.of("cents", 3_00)).retrieve().toBodilessEntity();
        }

        transactions.rollback(tx.id());

        assertThat(system.bankA.balance(2)).isEqualTo(fromBefore);
        assertThat(system.bankB.balance(2)).isEqualTo(toBefore);
        assertThat(coordinator.get("/api/v1/transactions/" + tx.id()).text("status")).isEqualTo("ABORTED");
    }

    @Test
    void aTransactionPastItsTimeoutIsAbortedAndLateWorkIsRefused() {
        long before = system.bankA.balance(5);
        GlobalTransaction tx = system.transactions().begin("forgotten", Duration.ofSeconds(1));
        try (var ignored = TransactionContext.bind(tx.id())) {
            bank(system.bankA.url()).post().uri("/accounts/5/debit").body(Map.of("cents", 1_00)).retrieve().toBodilessEntity();
        }

        await().atMost(Duration.ofSeconds(15))
                .until(() -> coordinator.get("/api/v1/transactions/" + tx.id()).text("status").equals("ABORTED"));

        assertThat(system.bankA.balance(5)).isEqualTo(before);
        try (var ignored = TransactionContext.bind(tx.id())) {
            assertThatThrownBy(() -> bank(system.bankA.url()).post().uri("/accounts/5/debit").body(Map.of("cents", 1_00))
                    .retrieve().toBodilessEntity())
                    .isInstanceOfSatisfying(HttpClientErrorException.class,
                            e -> assertThat(e.getStatusCode().value()).isEqualTo(409));
        }
        assertThat(system.bankA.balance(5)).isEqualTo(before);
    }

    @Test
    void aSecondCallToABankThatRegistersFirstJoinsTheSameBranch() {
        long before = system.bankB.balance(3);
        GlobalTransactions transactions = system.transactions();
        GlobalTransaction tx = transactions.begin("two credits", null);
        try (var ignored = TransactionContext.bind(tx.id())) {
            bank(system.bankA.url()).post().uri("/accounts/3/debit").body(Map.of("cents", 3_00)).retrieve().toBodilessEntity();
            bank(system.bankB.url()).post().uri("/accounts/3/credit").body(Map.of("cents", 1_00)).retrieve().toBodilessEntity();
            bank(system.bankB.url()).post().uri("/accounts/3/credit").body(Map.of("cents", 2_00)).retrieve().toBodilessEntity();
        }

        transactions.commit(tx.id());

        assertThat(coordinator.get("/api/v1/transactions/" + tx.id()).body().path("branches").size()).isEqualTo(2);
        assertThat(system.bankB.balance(3)).isEqualTo(before + 3_00);
    }

    @Test
    void aSecondCallToABankThatPreparesAtRequestEndIsRefusedAndTheFirstCallsWorkStillCommits() {
        long before = system.bankA.balance(3);
        GlobalTransactions transactions = system.transactions();
        GlobalTransaction tx = transactions.begin("two debits", null);
        try (var ignored = TransactionContext.bind(tx.id())) {
            bank(system.bankA.url()).post().uri("/accounts/3/debit").body(Map.of("cents", 1_00)).retrieve().toBodilessEntity();
            assertThatThrownBy(() -> bank(system.bankA.url()).post().uri("/accounts/3/debit").body(Map.of("cents", 2_00))
                    .retrieve().toBodilessEntity())
                    .isInstanceOfSatisfying(HttpClientErrorException.class, e -> {
                        assertThat(e.getStatusCode().value()).isEqualTo(409);
                        assertThat(e.getResponseBodyAsString()).contains("transaction-not-active", "prepare-at-request-end");
                    });
            bank(system.bankB.url()).post().uri("/accounts/3/credit").body(Map.of("cents", 1_00)).retrieve().toBodilessEntity();
        }

        transactions.commit(tx.id());

        assertThat(system.bankA.balance(3)).isEqualTo(before - 1_00);
    }

    @Test
    void concurrentTransfersSomeFailingNeverChangeTheSumOfBalances() throws Exception {
        Random random = new Random(42);
        List<Future<Transfers.Result>> results = new ArrayList<>();
        try (ExecutorService clients = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < 40; i++) {
                Bank from = random.nextBoolean() ? Bank.A : Bank.B;
                long fromAccount = 1 + random.nextInt(5);
                long toAccount = 1 + random.nextInt(5);
                // one in four asks for more than any account holds, so it must abort
                long cents = i % 4 == 0 ? 1_000_000_00L : 1 + random.nextInt(50_00);
                results.add(clients.submit(() -> system.transfers().transfer(from, fromAccount, toAccount, cents)));
            }
        }

        int committed = 0;
        for (Future<Transfers.Result> future : results) {
            Transfers.Result result = future.get();
            String logged = coordinator.get("/api/v1/transactions/" + result.transactionId()).text("status");
            assertThat(logged).as(result.detail()).isEqualTo(result.committed() ? "COMMITTED" : "ABORTED");
            committed += result.committed() ? 1 : 0;
        }
        assertThat(committed).isBetween(1, 30);
        assertThat(system.bankA.total() + system.bankB.total()).isEqualTo(totalBefore);
    }

    private static RestClient bank(String url) {
        return RestClient.builder().baseUrl(url).requestInterceptor(new dev.verdict.participant.autoconfigure.TransactionContextInterceptor(List.of("localhost"))).build();
    }
}
