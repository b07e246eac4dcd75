package dev.verdict.participant;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import dev.verdict.testsupport.Databases;

/**
 * A participant's {@link BranchManager} on a real database with a table {@code item}, and a coordinator
 * whose answers the test sets. Every test class that extends it runs once on H2 and once on PostgreSQL,
 * and ends with nothing left prepared in the database.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
abstract class ParticipantFixture {

    @Parameter
    TestDatabase database;

    BranchManager branches;
    String url;
    /** The coordinator's answers to the participant's questions: the tests set each transaction's outcome. */
    final Map<String, OutcomeInquiry.Outcome> decisions = new ConcurrentHashMap<>();
    /** The transactions the participant asked the coordinator about. */
    final Set<String> askedAbout = ConcurrentHashMap.newKeySet();
    final OutcomeInquiry coordinator = new OutcomeInquiry() {
        @Override
        public Outcome outcomeOf(BranchXid branch) {
            askedAbout.add(branch.transactionId());
            return decisions.getOrDefault(branch.transactionId(), Outcome.UNKNOWN);
        }

        @Override
        public boolean isOwnTransaction(String transactionId) {
            return transactionId.startsWith("test-");
        }
    };

    /** Branches registered as prepared: the branch id each transaction's came with. */
    final Map<String, String> registeredPrepared = new ConcurrentHashMap<>();
    /** What the coordinator answers the next registration of a prepared branch with: null takes it, else this is thrown. */
    volatile @Nullable RuntimeException nextPreparedRegistration;
    /** Registers each transaction's branch as {@code branch-<tx>}, and prepared branches under the id they bring. */
    final BranchManager.Registrar registrar = new BranchManager.Registrar() {
        @Override
        public String register(String transactionId) {
            return "branch-" + transactionId;
        }

        @Override
        public void registerPrepared(String transactionId, String branchId) {
            RuntimeException answer = nextPreparedRegistration;
            if (answer != null) {
                throw answer;
            }
            registeredPrepared.put(transactionId, branchId);
        }
    };

    @BeforeEach
    void createTable() throws SQLException {
        url = database.newDatabase();
        try (Connection connection = Databases.open(url, Databases.user(url), Databases.password(url));
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE item (id VARCHAR(64) PRIMARY KEY)");
        }
        branches = manager(TestSettings.defaults());
    }

    @AfterEach
    void nothingIsLeftPrepared() {
        branches.close();
        assertThat(preparedInTheDatabase()).isEmpty();
    }

    BranchManager manager(TestSettings settings) {
        return manager(settings, CrashPoints.none(), Clock.systemUTC());
    }

    /** A started manager (its timers run), which registers each transaction's branch as {@code branch-<tx>}. */
    BranchManager manager(TestSettings settings, CrashPoints crashPoints, Clock clock) {
        try {
            return unstartedManager(settings, crashPoints, clock).start();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A manager whose timers do not run, so that only the test drives them; the marker table exists already. */
    BranchManager unstartedManager(TestSettings settings, CrashPoints crashPoints, Clock clock) {
        return new BranchManager(database.xaDataSource(url), registrar, coordinator, settings.build(), clock, crashPoints);
    }

    /** Replaces the manager, as a new process with these settings would. */
    void restartWith(BranchManager next) {
        branches.close();
        branches = next;
    }

    static String newTransaction() {
        return "test-" + UUID.randomUUID();
    }

    /** One business request of the transaction that inserts an item. */
    void insert(String tx, String item) throws SQLException {
        try (var enlistment = branches.enlist(tx); Statement statement = enlistment.connection().createStatement()) {
            statement.execute("INSERT INTO item (id) VALUES ('" + item + "')");
        }
    }

    /** {@link #insert}, answering the database session the branch works on. */
    String insertAndTellSession(String tx, String item) throws SQLException {
        try (var enlistment = branches.enlist(tx); Statement statement = enlistment.connection().createStatement()) {
            statement.execute("INSERT INTO item (id) VALUES ('" + item + "')");
            return session(statement);
        }
    }

    String session(Statement statement) throws SQLException {
        try (ResultSet session = statement.executeQuery(database.sessionQuery())) {
            session.next();
            return session.getString(1);
        }
    }

    /** Ends a database session from outside, as a database restart or an administrator would. */
    void killSession(String session) throws SQLException {
        try (Connection connection = Databases.open(url, Databases.user(url), Databases.password(url));
                PreparedStatement kill = connection.prepareStatement(database.killSessionStatement())) {
            kill.setInt(1, Integer.parseInt(session.substring(0, session.indexOf('@'))));
            kill.execute();
        }
    }

    List<String> preparedInTheDatabase() {
        return Databases.preparedTransactions(url, Databases.user(url), Databases.password(url));
    }

    /** The items committed in the database, whatever the participant says. */
    long items() {
        return Databases.queryLong(url, Databases.user(url), Databases.password(url), "SELECT COUNT(*) FROM item");
    }
}
