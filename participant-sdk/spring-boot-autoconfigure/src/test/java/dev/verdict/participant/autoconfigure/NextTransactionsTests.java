package dev.verdict.participant.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.client.RestClient;

import com.sun.net.httpserver.HttpServer;

/**
 * Over real HTTP, against a coordinator that begins the next transaction when a commit or rollback asks for one:
 * a service that begins often asks for it and takes it at its next begin with no call; one that begins rarely, or
 * asks for another name or timeout, or comes back too late for the one kept, begins at the coordinator.
 */
class NextTransactionsTests {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final AtomicInteger begins = new AtomicInteger();
    private final AtomicInteger nextNumber = new AtomicInteger();
    /** The body of every commit and rollback, "" for none. */
    private final List<String> finishes = new CopyOnWriteArrayList<>();
    private final HttpServer coordinator = start();
    private final GlobalTransactions transactions = new GlobalTransactions(new CoordinatorClient(RestClient.builder(),
            "http://127.0.0.1:" + coordinator.getAddress().getPort(), Duration.ofSeconds(5), "token", 1), false, null,
            new NextTransactions(nanos::get));

    @AfterEach
    void stop() {
        coordinator.stop(0);
    }

    @Test
    void aServiceThatBeginsOftenTakesItsNextTransactionFromTheCommitBefore() {
        String first = transactions.begin("transfer", Duration.ofSeconds(30)).id();
        transactions.commit(first);
        later(Duration.ofMillis(5));
        String second = transactions.begin("transfer", Duration.ofSeconds(30)).id();
        transactions.commit(second);
        later(Duration.ofMillis(5));
        String third = transactions.begin("transfer", Duration.ofSeconds(30)).id();
        transactions.rollback(third);
        later(Duration.ofMillis(5));
        String fourth = transactions.begin("transfer", Duration.ofSeconds(30)).id();

        assertThat(begins).as("the third and the fourth came with the commit and the rollback before them").hasValue(2);
        assertThat(finishes.getFirst()).as("one begin is not often").doesNotContain("next");
        assertThat(finishes.get(1)).contains("\"next\":{\"timeoutSeconds\":30,\"name\":\"transfer\"}");
        assertThat(third).isEqualTo("node1-next-1");
        assertThat(fourth).isEqualTo("node1-next-2");
    }

    @Test
    void aTransactionBegunAheadIsTakenOnlyForTheSameNameAndTimeoutAndOnlyWhileFresh() {
        transactions.commit(transactions.begin("transfer", null).id());
        later(Duration.ofMillis(5));
        transactions.commit(transactions.begin("transfer", null).id());
        String otherName = transactions.begin("refund", null).id();
        String otherTimeout = transactions.begin("transfer", Duration.ofSeconds(10)).id();
        later(Duration.ofMillis(1_001));
        String tooLate = transactions.begin("transfer", null).id();

        assertThat(List.of(otherName, otherTimeout, tooLate)).allMatch(id -> id.startsWith("node1-begun"));
        assertThat(begins).hasValue(5);
    }

    @Test
    void aServiceThatBeginsRarelyAsksForNothing() {
        transactions.commit(transactions.begin("nightly", null).id());
        later(Duration.ofSeconds(2));
        transactions.commit(transactions.begin("nightly", null).id());

        assertThat(finishes).allMatch(body -> !body.contains("next"));
    }

    private void later(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }

    private HttpServer start() {
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            http.createContext("/api/v1/transactions", exchange -> {
                String[] path = exchange.getRequestURI().getPath().split("/");
                boolean begin = path.length == 4;
                String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                String answer;
                if (begin) {
                    answer = view("node1-begun-" + begins.incrementAndGet(), "ACTIVE");
                } else {
                    finishes.add(request);
                    String status = path[5].equals("commit") ? "COMMITTED" : "ABORTED";
                    answer = request.contains("\"next\"")
                            ? view(path[4], status).replaceFirst("}$", ",\"next\":" + view("node1-next-" + nextNumber.incrementAndGet(), "ACTIVE") + "}")
                            : view(path[4], status);
                }
                byte[] body = answer.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(begin ? 201 : 200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            http.start();
            return http;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String view(String id, String status) {
        return "{\"id\":\"" + id + "\",\"status\":\"" + status
                + "\",\"createdAt\":\"2030-01-01T00:00:00Z\",\"expiresAt\":\"2030-01-01T00:00:30Z\"}";
    }
}
