package dev.verdict.participant.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.client.RestClient;

import com.sun.net.httpserver.HttpServer;

/**
 * Over real HTTP: a commit asks the coordinator to answer at its decision ({@code Prefer: respond-async})
 * when {@code verdict.answer-at-decision} says so, or when the caller uses {@code commitAtDecision} or
 * {@code executeAtDecision}; never otherwise.
 */
class GlobalTransactionsTests {

    /** The {@code Prefer} header of each commit the coordinator received, "none" where there was none. */
    private final List<String> preferences = new CopyOnWriteArrayList<>();
    private final HttpServer coordinator = start();

    @AfterEach
    void stop() {
        coordinator.stop(0);
    }

    @Test
    void aCommitWaitsForPhase2UnlessAskedToAnswerAtTheDecision() {
        GlobalTransactions afterPhase2 = transactions(false);

        afterPhase2.commit("node1-a");
        afterPhase2.commitAtDecision("node1-b");
        transactions(true).commit("node1-c");

        assertThat(preferences).containsExactly("none", "respond-async", "respond-async");
    }

    @Test
    void executeAtDecisionCommitsWithTheAnswerAtTheDecision() {
        transactions(false).executeAtDecision("transfer", transaction -> null);

        assertThat(preferences).containsExactly("respond-async");
    }

    private GlobalTransactions transactions(boolean answerAtDecision) {
        return new GlobalTransactions(new CoordinatorClient(RestClient.builder(),
                "http://127.0.0.1:" + coordinator.getAddress().getPort(), Duration.ofSeconds(5), "token", 1), answerAtDecision, null, null);
    }

    private HttpServer start() {
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            http.createContext("/api/v1/transactions", exchange -> {
                String[] path = exchange.getRequestURI().getPath().split("/");
                boolean begin = path.length == 4;
                if (!begin) {
                    String prefer = exchange.getRequestHeaders().getFirst("Prefer");
                    preferences.add(prefer == null ? "none" : prefer);
                }
                String id = begin ? "node1-begun" : path[4];
                byte[] body = ("{\"id\":\"" + id + "\",\"status\":\"" + (begin ? "ACTIVE" : "COMMITTED")
                        + "\",\"expiresAt\":\"2030-01-01T00:00:00Z\"}").getBytes(StandardCharsets.UTF_8);
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
}
