package dev.verdict.participant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.XADataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.verdict.testsupport.Databases;

/** A participant's branches against a real database; subclasses pick the database. */
abstract class BranchManagerContract {

    BranchManager branches;
    String url;
    /** The coordinator as recovery sees it: the tests set each transaction's outcome. */
    final Map<String, OutcomeInquiry.Outcome> decisions = new ConcurrentHashMap<>();
    final OutcomeInquiry coordinator = new OutcomeInquiry() {
        @Override
        public Outcome outcomeOf(String transactionId) {
            return decisions.getOrDefault(transactionId, Outcome.UNKNOWN);
        }

        @Override
        public boolean isOwnTransaction(String transactionId) {
            return transactionId.startsWith("test-");
        }
    };

    abstract String newDatabase();

    abstract XADataSource xaDataSource(String url);

    /**
     * A query that answers which database session (physical connection) it runs on, as
     * {@code <id>@<start time>}: ids alone are reused once a session ends.
     */
    abstract String sessionQuery();

    /** A statement that ends the session with the id given as its parameter, as a database restart would. */
    abstract String killSessionStatement();

    @BeforeEach
    void createTable() throws SQLException {
        url = newDatabase();
        try (Connection connection = Databases.open(url, Databases.user(url), Databases.password(url));
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE item (id VARCHAR(64) PRIMARY KEY)");
        }
        branches = manager(Duration.ofMinutes(5));
    }

    BranchManager manager(Duration branchTimeout) {
        return manager(TestSettings.defaults().branchTimeout(branchTimeout), CrashPoints.none());
    }

    BranchManager manager(Duration branchTimeout, CrashPoints crashPoints) {
        return manager(TestSettings.defaults().branchTimeout(branchTimeout), crashPoints);
    }

    BranchManager manager(TestSettings settings, CrashPoints crashPoints) {
        try {
            return new BranchManager(xaDataSource(url), transactionId -> "branch-" + transactionId, coordinator,
                    settings.build(), Clock.systemUTC(), crashPoints).start();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void nothingIsLeftPrepared() {
        branches.close();
        assertThat(Databases.preparedTransactions(url, Databases.user(url), Databases.password(url))).isEmpty();
    }

    @Test
    void workBecomesVisibleOnlyAfterPrepareAndCommit() throws SQLException {
        String tx = newTransaction();
        insert(tx, "apple");
        assertThat(items()).isZero();

        assertThat(branches.prepare(tx, "branch-" + tx).vote()).isEqualTo("PREPARED");
        assertThat(items()).isZero();
        branches.commit(tx, "branch-" + tx);

        assertThat(items()).isEqualTo(1);
        assertThat(branches.openBranches()).isZero();
    }

    @Test
    void commitAndPrepareRepeatedAfterACommitAnswerTheSame() throws SQLException {
        String tx = newTransaction();
        insert(tx, "pear");
        branches.prepare(tx, "branch-" + tx);
        branches.commit(tx, "branch-" + tx);

        branches.commit(tx, "branch-" + tx);

        assertThat(items()).isEqualTo(1);
        assertThatThrownBy(() -> branches.rollback(tx, "branch-" + tx)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("was committed here");
    }

    @Test
    void aSecondRequestJoinsTheSameBranch() throws SQLException {
        String tx = newTransaction();
        insert(tx, "one");
        insert(tx, "two");

        assertThat(branches.openBranches()).isEqualTo(1);
        branches.prepare(tx, "branch-" + tx);
        branches.commit(tx, "branch-" + tx);
        assertThat(items()).isEqualTo(2);
    }

    @Test
    void aRollbackThatArrivesBeforeTheWorkMakesTheLateWorkFail() {
        String tx = newTransaction();

        branches.rollback(tx, "branch-" + tx);
        branches.rollback(tx, "branch-" + tx);

        assertThatThrownBy(() -> insert(tx, "late")).isInstanceOf(BranchRefusedException.class)
                .hasMessageContaining("already ended here (ROLLED_BACK)");
        assertThat(items()).isZero();
    }

    @Test
    void aRolledBackBranchLeavesNothingBehind() throws SQLException {
        String tx = newTransaction();
        insert(tx, "plum");
        branches.prepare(tx, "branch-" + tx);

        branches.rollback(tx, "branch-" + tx);

        assertThat(items()).isZero();
        assertThat(branches.openBranches()).isZero();
    }

    @Test
    void aLocalRollbackDoomsTheBranchSoPrepareVotesNo() throws SQLException {
        String tx = newTransaction();
        try (var enlistment = branches.enlist(tx)) {
            Connection connection = enlistment.connection();
            try (Statement statement = connection.createStatement()) {
                statement.execute("INSERT INTO item (id) VALUES ('cherry')");
            }
            connection.rollback();
        }

        PrepareVote vote = branches.prepare(tx, "branch-" + tx);

        assertThat(vote.vote()).isEqualTo("ABORT");
        assertThat(vote.detail()).contains("rolled back its local transaction");
        assertThat(items()).isZero();
    }

    @Test
    void aFailedRequestDoomsTheBranch() throws SQLException {
        String tx = newTransaction();
        try (var enlistment = branches.enlist(tx)) {
            try (Statement statement = enlistment.connection().createStatement()) {
                statement.execute("INSERT INTO item (id) VALUES ('fig')");
            }
            enlistment.fail("the request answered HTTP 500");
        }

        assertThat(branches.prepare(tx, "branch-" + tx).detail()).contains("HTTP 500");
        assertThat(items()).isZero();
    }

    @Test
    void aBranchNeverPreparedIsRolledBackWhenItsTimeoutPasses() throws SQLException {
        branches.close();
        branches = manager(Duration.ofMillis(300));
        String tx = newTransaction();
        insert(tx, "kiwi");

        await().atMost(Duration.ofSeconds(10)).until(() -> branches.openBranches() == 0);

        assertThat(branches.prepare(tx, "branch-" + tx).vote()).isEqualTo("ABORT");
        assertThat(items()).isZero();
    }

    @Test
    void aBranchThisParticipantNeverSawVotesNoAndIsNeverReportedCommitted() {
        String tx = newTransaction();

        assertThat(branches.prepare(tx, "branch-" + tx).vote()).isEqualTo("ABORT");
        assertThatThrownBy(() -> branches.commit(tx, "branch-" + tx)).isInstanceOf(UnknownBranchException.class)
                .hasMessageContaining("its outcome is unknown");
    }

    @Test
    void aBranchLeftPreparedByACrashIsCommittedOnceTheCoordinatorSaysCommit() throws SQLException {
        String tx = newTransaction();
        insert(tx, "mango");
        branches.prepare(tx, "branch-" + tx);
        branches.loseEverythingAsACrashWould();
        branches = manager(Duration.ofMinutes(5));
        assertThat(Databases.preparedTransactions(url, Databases.user(url), Databases.password(url))).hasSize(1);

        decisions.put(tx, OutcomeInquiry.Outcome.PENDING);
        branches.recoverPrepared();
        assertThat(items()).isZero();
        decisions.put(tx, OutcomeInquiry.Outcome.COMMIT);
        branches.recoverPrepared();

        assertThat(items()).isEqualTo(1);
        branches.commit(tx, "branch-" + tx);
    }

    @Test
    void aBranchLeftPreparedByACrashIsRolledBackWhenTheTransactionAborted() throws SQLException {
        String tx = newTransaction();
        insert(tx, "lime");
        branches.prepare(tx, "branch-" + tx);
        branches.loseEverythingAsACrashWould();
        branches = manager(Duration.ofMinutes(5));

        branches.rollback(tx, "branch-" + tx);

        assertThat(items()).isZero();
        assertThatThrownBy(() -> insert(tx, "late")).isInstanceOf(BranchRefusedException.class);
    }

    @Test
    void aRepeatedCommitAfterACrashIsAnsweredFromTheCommitMarker() throws SQLException {
        String tx = newTransaction();
        insert(tx, "peach");
        branches.prepare(tx, "branch-" + tx);
        branches.commit(tx, "branch-" + tx);
        branches.loseEverythingAsACrashWould();
        branches = manager(Duration.ofMinutes(5));

        branches.commit(tx, "branch-" + tx);

        assertThat(items()).isEqualTo(1);
        assertThatThrownBy(() -> branches.rollback(tx, "branch-" + tx)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aPreparedBranchTheCoordinatorDoesNotKnowIsRolledBackOnlyAfterTheOrphanTimeout() throws SQLException {
        String tx = newTransaction();
        insert(tx, "grape");
        branches.prepare(tx, "branch-" + tx);
        branches.loseEverythingAsACrashWould();
        MutableClock clock = new MutableClock();
        branches = new BranchManager(xaDataSource(url), id -> "branch-" + id, coordinator, TestSettings.defaults().build(),
                clock).start();

        branches.recoverPrepared();
        clock.advance(Duration.ofMinutes(1));
        branches.recoverPrepared();
        assertThat(Databases.preparedTransactions(url, Databases.user(url), Databases.password(url))).hasSize(1);

        clock.advance(Duration.ofMinutes(2));
        branches.recoverPrepared();

        assertThat(items()).isZero();
    }

    @Test
    void aPreparedBranchOfAnotherCoordinatorIsLeftAlone() throws SQLException {
        String tx = "other-" + UUID.randomUUID();
        try (var enlistment = branches.enlist(tx); Statement statement = enlistment.connection().createStatement()) {
            statement.execute("INSERT INTO item (id) VALUES ('quince')");
        }
        branches.prepare(tx, "branch-" + tx);
        branches.loseEverythingAsACrashWould();
        branches = manager(Duration.ofMinutes(5));

        branches.recoverPrepared();

        assertThat(Databases.preparedTransactions(url, Databases.user(url), Databases.password(url))).hasSize(1);
        branches.commit(tx, "branch-" + tx);
        assertThat(items()).isEqualTo(1);
    }

    @Test
    void theAfterPrepareCrashPointIsReachedOnceTheDatabaseHoldsTheBranchPrepared() throws SQLException {
        List<String> crashes = new ArrayList<>();
        branches.close();
        branches = manager(Duration.ofMinutes(5), new CrashPoints(CrashPoints.AFTER_PREPARE,
                status -> crashes.add(status + " with " + preparedInTheDatabase().size() + " prepared")));
        String tx = newTransaction();
        insert(tx, "date");

        branches.prepare(tx, "branch-" + tx);

        assertThat(crashes).containsExactly("86 with 1 prepared");
        branches.commit(tx, "branch-" + tx);
        assertThat(crashes).hasSize(1);
    }

    @Test
    void theAfterCommitCrashPointIsReachedOnceTheWorkIsCommitted() throws SQLException {
        List<String> crashes = new ArrayList<>();
        branches.close();
        branches = manager(Duration.ofMinutes(5), new CrashPoints(CrashPoints.AFTER_COMMIT,
                status -> crashes.add(status + " with " + items() + " items")));
        String tx = newTransaction();
        insert(tx, "elderberry");
        branches.prepare(tx, "branch-" + tx);

        branches.commit(tx, "branch-" + tx);

        assertThat(crashes).containsExactly("86 with 1 items");
    }

    @Test
    void sequentialTransactionsReuseOnePhysicalConnectionWhateverTheirOutcome() throws SQLException {
        Set<String> sessions = new HashSet<>();

        for (int i = 0; i < 21; i++) {
            String tx = newTransaction();
            sessions.add(insertAndTellSession(tx, "item-" + i));
            switch (i % 3) {
                case 0 -> {
                    branches.prepare(tx, "branch-" + tx);
                    branches.commit(tx, "branch-" + tx);
                }
                case 1 -> {
                    branches.prepare(tx, "branch-" + tx);
                    branches.rollback(tx, "branch-" + tx);
                }
                default -> branches.rollback(tx, "branch-" + tx);
            }
        }

        assertThat(sessions).hasSize(1);
        assertThat(branches.connectionStats().created()).isEqualTo(1);
        assertThat(items()).isEqualTo(7);
    }

    @Test
    void aBusinessCallWaitsForAFreeConnectionAtMostLockTimeoutAndThenFailsSaying() throws SQLException {
        branches.close();
        branches = manager(TestSettings.defaults().maxBranchConnections(1).lockTimeout(Duration.ofMillis(300)),
                CrashPoints.none());
        String holder = newTransaction();
        insert(holder, "one");

        String waiter = newTransaction();
        assertThatThrownBy(() -> insert(waiter, "two")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("all 1 XA connections for branches (verdict.participant.max-branch-connections)"
                        + " stayed in use by open global transactions for PT0.3S");

        assertThat(branches.prepare(waiter, "branch-" + waiter).vote()).isEqualTo("ABORT");
        branches.prepare(holder, "branch-" + holder);
        branches.commit(holder, "branch-" + holder);
        String next = newTransaction();
        insert(next, "three");
        branches.prepare(next, "branch-" + next);
        branches.commit(next, "branch-" + next);
        assertThat(items()).isEqualTo(2);
    }

    @Test
    void aConnectionThatBrokeUnderABranchIsDestroyedAndNeverHandedOutAgain() throws SQLException {
        String tx = newTransaction();
        String brokenSession = insertAndTellSession(tx, "walnut");
        killSession(brokenSession);

        PrepareVote vote = branches.prepare(tx, "branch-" + tx);

        assertThat(vote.vote()).isEqualTo("ABORT");
        assertThat(branches.connectionStats().destroyed()).isEqualTo(1);
        String next = newTransaction();
        assertThat(insertAndTellSession(next, "hazelnut")).isNotEqualTo(brokenSession);
        branches.prepare(next, "branch-" + next);
        branches.commit(next, "branch-" + next);
        assertThat(items()).isEqualTo(1);
    }

    @Test
    void aConnectionWhoseSessionTheServiceChangedServesNoOtherBranch() throws SQLException {
        String tx = newTransaction();
        String changedSession;
        try (var enlistment = branches.enlist(tx); Statement statement = enlistment.connection().createStatement()) {
            enlistment.connection().setSchema(enlistment.connection().getSchema());
            changedSession = session(statement);
        }
        branches.prepare(tx, "branch-" + tx);

        branches.commit(tx, "branch-" + tx);

        assertThat(branches.connectionStats().destroyed()).isEqualTo(1);
        assertThat(insertAndTellSession(newTransaction(), "pecan")).isNotEqualTo(changedSession);
    }

    static final class MutableClock extends Clock {
        private volatile java.time.Instant now = java.time.Instant.now();

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return now;
        }
    }

    private static String newTransaction() {
        return "test-" + UUID.randomUUID();
    }

    private void insert(String tx, String item) throws SQLException {
        try (var enlistment = branches.enlist(tx);
                Statement statement = enlistment.connection().createStatement()) {
            statement.execute("INSERT INTO item (id) VALUES ('" + item + "')");
        }
    }

    private String insertAndTellSession(String tx, String item) throws SQLException {
        try (var enlistment = branches.enlist(tx); Statement statement = enlistment.connection().createStatement()) {
            statement.execute("INSERT INTO item (id) VALUES ('" + item + "')");
            return session(statement);
        }
    }

    private String session(Statement statement) throws SQLException {
        try (ResultSet session = statement.executeQuery(sessionQuery())) {
            session.next();
            return session.getString(1);
        }
    }

    private void killSession(String session) throws SQLException {
        try (Connection connection = Databases.open(url, Databases.user(url), Databases.password(url));
                PreparedStatement kill = connection.prepareStatement(killSessionStatement())) {
            kill.setInt(1, Integer.parseInt(session.substring(0, session.indexOf('@'))));
            kill.execute();
        }
    }

    private List<String> preparedInTheDatabase() {
        return Databases.preparedTransactions(url, Databases.user(url), Databases.password(url));
    }

    private long items() {
        return Databases.queryLong(url, Databases.user(url), Databases.password(url), "SELECT COUNT(*) FROM item");
    }
}
