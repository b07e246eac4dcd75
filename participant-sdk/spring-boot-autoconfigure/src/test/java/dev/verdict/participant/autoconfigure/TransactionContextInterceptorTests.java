package dev.verdict.participant.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.client.RestClient;

import com.sun.net.httpserver.HttpServer;

import dev.verdict.participant.TransactionContext;
import dev.verdict.protocol.BranchReceipt;

/** Over real HTTP: the transaction id goes to the services that take part, and to no other host. */
class TransactionContextInterceptorTests {

    private final Map<String, String> headerSeenBy = new ConcurrentHashMap<>();
    private final Map<String, String> receiptsAskedBy = new ConcurrentHashMap<>();
    private final HttpServer server = start();

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void onlyHostsListedInPropagateToLearnTheTransaction() {
        RestClient client = RestClient.builder().requestInterceptor(new TransactionContextInterceptor(List.of("localhost"))).build();
        int port = server.getAddress().getPort();

        try (var ignored = TransactionContext.bind("node1-tx-1")) {
            client.get().uri("http://localhost:" + port + "/bank").retrieve().toBodilessEntity();
            client.get().uri("http://127.0.0.1:" + port + "/third-party").retrieve().toBodilessEntity();
        }

        assertThat(headerSeenBy).containsEntry("/bank", "node1-tx-1").containsEntry("/third-party", "none");
    }

    @Test
    void receiptsAreAskedForAndCollectedOnlyInATransactionBegunHereAndOnlyFromHostsThatTakePart() {
        ReceiptCollector receipts = new ReceiptCollector(java.time.Clock.systemUTC());
        RestClient client = RestClient.builder()
                .requestInterceptor(new TransactionContextInterceptor(List.of("localhost"), receipts)).build();
        int port = server.getAddress().getPort();
        receipts.open("node1-begun-here", java.time.Instant.now().plusSeconds(60));

        try (var ignored = TransactionContext.bind("node1-begun-here")) {
            client.get().uri("http://localhost:" + port + "/bank-a").retrieve().toBodilessEntity();
            client.get().uri("http://127.0.0.1:" + port + "/third-party").retrieve().toBodilessEntity();
        }
        try (var ignored = TransactionContext.bind("node1-passed-on")) {
            client.get().uri("http://localhost:" + port + "/bank-b").retrieve().toBodilessEntity();
        }

        assertThat(receiptsAskedBy).containsEntry("/bank-a", "collect").containsEntry("/third-party", "none")
                .containsEntry("/bank-b", "none");
        assertThat(receipts.receipts("node1-begun-here")).containsExactly("receipt-of/bank-a");
        assertThat(receipts.receipts("node1-passed-on")).isEmpty();
        receipts.forget("node1-begun-here");
        assertThat(receipts.collects("node1-begun-here")).isFalse();
    }

    @Test
    void aHostWithAPortMatchesThatPortOnlyAndAWildcardMatchesSubdomains() {
        TransactionContextInterceptor interceptor = new TransactionContextInterceptor(List.of("bank-a:8081", "*.banks.internal"));

        assertThat(interceptor.takesPart(java.net.URI.create("http://bank-a:8081/accounts"))).isTrue();
        assertThat(interceptor.takesPart(java.net.URI.create("http://bank-a:9999/accounts"))).isFalse();
        assertThat(interceptor.takesPart(java.net.URI.create("https://b.banks.internal/x"))).isTrue();
        assertThat(interceptor.takesPart(java.net.URI.create("https://banks.internal.evil.com/x"))).isFalse();
        assertThat(new TransactionContextInterceptor(List.of()).takesPart(java.net.URI.create("http://localhost/x"))).isFalse();
    }

    private HttpServer start() {
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress(0), 0);
            http.createContext("/", exchange -> {
                String header = exchange.getRequestHeaders().getFirst(TransactionContext.HEADER);
                headerSeenBy.put(exchange.getRequestURI().getPath(), header == null ? "none" : header);
                String asked = exchange.getRequestHeaders().getFirst(BranchReceipt.REQUEST_HEADER);
                receiptsAskedBy.put(exchange.getRequestURI().getPath(), asked == null ? "none" : asked);
                if (BranchReceipt.COLLECT.equals(asked)) {
                    exchange.getResponseHeaders().add(BranchReceipt.HEADER, "receipt-of" + exchange.getRequestURI().getPath());
                }
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            });
            http.start();
            return http;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
