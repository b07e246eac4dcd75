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
 * inquiry must not look like "no record of the transaction", which would have a prepared branch rolled back.
 */
class CoordinatorClientTests {

    private final HttpServer server = start();

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void aRedirectIsAFailureAndNotAnAnswer() {
        CoordinatorClient client = new CoordinatorClient(RestClient.builder(), "http://127.0.0.1:" + server.getAddress().getPort(),
                Duration.ofSeconds(5), "token");

        assertThatThrownBy(() -> client.find("node1-tx")).isInstanceOfSatisfying(RestClientResponseException.class,
                e -> assertThat(e.getStatusCode().value()).isEqualTo(307));
    }

    private static HttpServer start() {
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            http.createContext("/", exchange -> {
                exchange.getResponseHeaders().set("Location", "http://127.0.0.1:1/elsewhere");
                exchange.sendResponseHeaders(307, -1);
                exchange.close();
            });
            http.start();
            return http;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
