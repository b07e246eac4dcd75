package dev.verdict.participant.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;

import com.sun.net.httpserver.HttpServer;

/**
 * Over real HTTP: an answer of the coordinator that is not a 2xx is never read as one. A redirect to an outcome
 * inquiry, or a 404 of a coordinator that lacks the call, must not look like "no record of the transaction",
 * which would have a prepared branch rolled back.
 */
class CoordinatorClientTests {

    private final HttpServer server = start();

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void aRedirectIsAFailureAndNotAnAnswer() {
        assertThatThrownBy(() -> client().branchOutcome("node1-tx", "b1")).isInstanceOfSatisfying(RestClientResponseException.class,
                e -> assertThat(e.getStatusCode().value()).isEqualTo(307));
    }

    @Test
    void onlyA404SayingTheTransactionIsUnknownMeansNoRecord() {
        assertThat(client().branchOutcome("node1-gone", "b1")).isNull();
        assertThatThrownBy(() -> client().branchOutcome("node1-old", "b1")).isInstanceOfSatisfying(RestClientResponseException.class,
                e -> assertThat(e.getStatusCode().value()).as("an older coordinator without the call").isEqualTo(404));
    }

    private CoordinatorClient client() {
        return new CoordinatorClient(RestClient.builder(), "http://127.0.0.1:" + server.getAddress().getPort(), Duration.ofSeconds(5),
                "token", 1);
    }

    private static HttpServer start() {
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            http.createContext("/", exchange -> {
                String path = exchange.getRequestURI().getPath();
                if (path.startsWith("/api/v1/transactions/node1-gone/") || path.startsWith("/api/v1/transactions/node1-old/")) {
                    String type = path.contains("gone") ? "transaction-not-found" : "invalid-request";
                    byte[] body = ("{\"type\":\"urn:verdict:problem:" + type + "\",\"status\":404,\"detail\":\"no\"}")
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().set("Content-Type", "application/problem+json");
                    exchange.sendResponseHeaders(404, body.length);
                    exchange.getResponseBody().write(body);
                } else {
                    exchange.getResponseHeaders().set("Location", "http://127.0.0.1:1/elsewhere");
                    exchange.sendResponseHeaders(307, -1);
                }
                exchange.close();
            });
            http.start();
            return http;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
