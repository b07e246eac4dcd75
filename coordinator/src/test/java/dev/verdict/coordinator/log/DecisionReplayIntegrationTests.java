package dev.verdict.coordinator.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.verdict.coordinator.TestCoordinator;
import dev.verdict.coordinator.branch.Branch;
import dev.verdict.coordinator.branch.BranchRepository;
import dev.verdict.coordinator.branch.BranchState;
import dev.verdict.coordinator.transaction.CoordinatorIdentity;
import dev.verdict.coordinator.transaction.GlobalTransaction;
import dev.verdict.coordinator.transaction.TransactionRepository;
import dev.verdict.coordinator.transaction.TransactionState;

/**
 * A commit decision that the log's own file lost in a crash, while the decision file kept it, is back in the log
 * at start-up, before recovery could presume an abort: the transaction COMMITTING with its lease ended (so that
 * recovery sends its phase 2), every branch of the decision in it, and a history entry that says so. These tests
 * put into the decision file what a crash would have left there, then run the start-up's replay.
 */
@SpringBootTest
class DecisionReplayIntegrationTests {

    @DynamicPropertySource
    static void freshLogWithoutTrimming(DynamicPropertyRegistry registry) throws Exception {
        TestCoordinator.freshLogAndCredentials(registry, "decision-replay-log");
        // only the replay trims here, so that a decision stays in the file until the replay reads it
        registry.add("verdict.coordinator.decision-trim-interval", () -> "1h");
    }

    @Autowired
    DecisionFile file;

    @Autowired
    DecisionReplay replay;

    @Autowired
    TransactionLog transactionLog;

    @Autowired
    TransactionRepository transactions;

    @Autowired
    BranchRepository branches;

    @Autowired
    CoordinatorIdentity identity;

    @Autowired
    JdbcClient jdbc;

    @Test
    void theLogIsOnAnH2FileSoItsDecisionsGoToTheDecisionFile() {
        assertThat(file.isOn()).isTrue();
    }

    @Test
    void aDecisionOnATransactionTheLogNeverGotBringsBackTheTransactionAndItsBranches() {
        Instant now = Instant.now();
        GlobalTransaction lost = committing(identity.newTransactionId(), now);
        Branch alpha = prepared(lost, "alpha", now);
        Branch beta = prepared(lost, "beta", now);
        file.force(List.of(new Decision(lost, List.of(alpha, beta))));

        replay.start();

        GlobalTransaction back = transactions.find(lost.id()).orElseThrow();
        assertThat(back.state()).isEqualTo(TransactionState.COMMITTING);
        assertThat(back.client()).isEqualTo("a client");
        assertThat(back.leaseUntil()).as("recovery may take it at once").isBeforeOrEqualTo(Instant.now());
        assertThat(branches.findByTransactionId(lost.id())).extracting(Branch::id, Branch::state, Branch::url)
                .containsExactlyInAnyOrder(tuple(alpha.id(), BranchState.PREPARED, alpha.url()),
                        tuple(beta.id(), BranchState.PREPARED, beta.url()));
        assertThat(history(lost.id())).containsExactly("null>COMMITTING: " + DecisionReplay.RESTORED);
        assertThat(file.held().decisions()).as("the log now holds it on its disk").isEmpty();
    }

    @Test
    void aDecisionOnATransactionTheLogHasAsActiveCommitsItWithEveryBranchOfTheDecision() {
        Instant now = Instant.now();
        GlobalTransaction active = transactionLog.begin(active(identity.newTransactionId(), now));
        Branch registered = ((RegistrationOutcome.Registered) transactionLog.register(active.id(), "alpha",
                "http://127.0.0.1:1/alpha", "alpha", 10, now)).branch();
        Branch votedYes = new Branch(registered.id(), active.id(), "alpha", registered.url(), BranchState.PREPARED, "voted yes",
                null, 0, registered.registeredAt(), now, "alpha");
        Branch byReceipt = prepared(active, "beta", now);
        file.force(List.of(new Decision(committing(active.id(), now), List.of(votedYes, byReceipt))));

        replay.start();

        assertThat(transactions.find(active.id()).orElseThrow().state()).isEqualTo(TransactionState.COMMITTING);
        assertThat(branches.findByTransactionId(active.id())).extracting(Branch::id, Branch::state)
                .containsExactlyInAnyOrder(tuple(registered.id(), BranchState.PREPARED), tuple(byReceipt.id(), BranchState.PREPARED));
        assertThat(history(active.id())).last().isEqualTo("ACTIVE>COMMITTING: " + DecisionReplay.RESTORED);
    }

    @Test
    void aDecisionTheLogHasAlreadyIsLeftAsTheLogHasIt() {
        Instant now = Instant.now();
        String id = identity.newTransactionId();
        transactionLog.begin(active(id, now));
        Instant leaseUntil = now.plusSeconds(60);
        assertThat(transactionLog.startPreparing(id, identity.owner(), leaseUntil, now)).isTrue();
        assertThat(transactionLog.decide(id, TransactionState.PREPARING, TransactionState.COMMITTING, List.of(), null,
                identity.owner(), leaseUntil, now)).isTrue();
        assertThat(transactionLog.phaseTwo().finish(id, TransactionState.COMMITTING, List.of(), now).join()).isTrue();
        List<String> before = history(id);
        file.force(List.of(new Decision(committing(id, now), List.of())));

        replay.start();

        assertThat(transactions.find(id).orElseThrow().state()).isEqualTo(TransactionState.COMMITTED);
        assertThat(history(id)).isEqualTo(before);
        assertThat(file.held().decisions()).isEmpty();
    }

    private GlobalTransaction active(String id, Instant now) {
        return new GlobalTransaction(id, "replayed", TransactionState.ACTIVE, null, now, now.plusSeconds(60), null, null, now,
                identity.owner(), now.plusSeconds(60), "a client");
    }

    private GlobalTransaction committing(String id, Instant now) {
        return active(id, now).decided(TransactionState.COMMITTING, null, identity.owner(), now.plusSeconds(30), now);
    }

    private static Branch prepared(GlobalTransaction transaction, String participant, Instant now) {
        return new Branch(participant + "-" + transaction.id(), transaction.id(), participant, "http://127.0.0.1:1/" + participant,
                BranchState.PREPARED, TransactionLog.PREPARED_BY_RECEIPT, null, 0, now, now, participant);
    }

    private List<String> history(String id) {
        return jdbc.sql("SELECT from_state, to_state, detail FROM transaction_event WHERE transaction_id = :id ORDER BY id")
                .param("id", id).query((rs, row) -> rs.getString(1) + ">" + rs.getString(2) + ": " + rs.getString(3)).list();
    }
}
