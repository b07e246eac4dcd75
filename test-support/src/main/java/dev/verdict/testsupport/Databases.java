package dev.verdict.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Reads the end state of a test database directly over JDBC, whatever the services say. */
public final class Databases {

    private Databases() {
    }

    /** A user and password that open every test database: PostgreSQL's postgres user, or H2's own. */
    public static String user(String url) {
        return url.startsWith("jdbc:postgresql:") ? "postgres" : "sa";
    }

    public static String password(String url) {
        return url.startsWith("jdbc:postgresql:") ? "postgres" : "";
    }

    public static Connection open(String url, String user, String password) {
        try {
            return DriverManager.getConnection(url, user, password);
        } catch (SQLException e) {
            throw new IllegalStateException("could not open " + url, e);
        }
    }

    /**
     * The transactions the database holds prepared and not yet resolved: {@code pg_prepared_xacts} on
     * PostgreSQL, {@code INFORMATION_SCHEMA.IN_DOUBT} on H2.
     */
    public static List<String> preparedTransactions(String url, String user, String password) {
        String query = url.startsWith("jdbc:postgresql:")
                ? "SELECT gid FROM pg_prepared_xacts WHERE database = current_database()"
                : "SELECT TRANSACTION_NAME FROM INFORMATION_SCHEMA.IN_DOUBT";
        return strings(url, user, password, query);
    }

    public static long queryLong(String url, String user, String password, String query) {
        try (Connection connection = open(url, user, password);
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(query)) {
            result.next();
            return result.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(query + " failed on " + url, e);
        }
    }

    public static List<String> strings(String url, String user, String password, String query) {
        try (Connection connection = open(url, user, password);
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(query)) {
            List<String> values = new ArrayList<>();
            while (result.next()) {
                values.add(result.getString(1));
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(query + " failed on " + url, e);
        }
    }
}
