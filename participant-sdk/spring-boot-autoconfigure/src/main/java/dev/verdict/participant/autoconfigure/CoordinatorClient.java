package dev.verdict.participant.autoconfigure;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.util.Timeout;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;

import dev.verdict.participant.BranchRefusedException;

/** The SDK's calls to the coordinator's REST API. */
class CoordinatorClient {

    private static final int MAX_CONNECTIONS = 64;

    private final RestClient rest;
    private final String baseUrl;

    CoordinatorClient(RestClient.Builder builder, String baseUrl, Duration requestTimeout, @Nullable String token) {
        // HTTP/1.1 on pooled, kept-alive connections, the I/O on the calling thread, bodies sent whole with
        // their Content-Length: registration is on the path of every business call.
        HttpComponentsClientHttpRequestFactory requests = new HttpComponentsClientHttpRequestFactory(HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setMaxConnPerRoute(MAX_CONNECTIONS).setMaxConnTotal(MAX_CONNECTIONS)
                        .setDefaultConnectionConfig(ConnectionConfig.custom().setConnectTimeout(Timeout.ofSeconds(5)).build())
                        .build())
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableCookieManagement()
                .build());
        requests.setReadTimeout(requestTimeout);
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        // Only a 2xx is an answer: RestClient would pass a 3xx (from a proxy, say) as a success with no body, and an
        // outcome inquiry would then read as "no record of the transaction".
        RestClient.Builder coordinator = builder.clone().requestFactory(requests).bufferContent((uri, method) -> true)
                .baseUrl(this.baseUrl)
                .defaultStatusHandler(status -> status.is1xxInformational() || status.is3xxRedirection(), (request, response) -> {
                    throw new RestClientResponseException("HTTP " + response.getStatusCode().value() + " is not an answer of the"
                            + " coordinator's API", response.getStatusCode(), response.getStatusText(), response.getHeaders(),
                            response.getBody().readAllBytes(), null);
                });
        if (token != null && !token.isBlank()) {
            coordinator.defaultHeader("Authorization", "Bearer " + token.strip());
        }
        this.rest = coordinator.build();
    }

    String baseUrl() {
        return baseUrl;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> describe() {
        return rest.get().uri("/api/v1/coordinator").retrieve().body(Map.class);
    }

    TransactionView begin(@Nullable String name, @Nullable Duration timeout) {
        return rest.post().uri("/api/v1/transactions").contentType(MediaType.APPLICATION_JSON)
                .body(new BeginRequest(timeout == null ? null : timeout.toSeconds(), name))
                .retrieve().body(TransactionView.class);
    }

    String register(String transactionId, String name, String url) {
        return register(transactionId, new RegisterRequest(name, url, null, null));
    }

    /** Registers a branch prepared here under {@code branchId}; its registration is its yes vote. */
    void registerPrepared(String transactionId, String name, String url, String branchId) {
        register(transactionId, new RegisterRequest(name, url, branchId, true));
    }

    private String register(String transactionId, RegisterRequest request) {
        try {
            Registration registration = rest.post().uri("/api/v1/transactions/{id}/participants", transactionId)
                    .contentType(MediaType.APPLICATION_JSON)
                    .body(request)
                    .retrieve().body(Registration.class);
            return registration.branchId();
        } catch (HttpClientErrorException e) {
            if (e.getStatusCode() == HttpStatus.CONFLICT || e.getStatusCode() == HttpStatus.NOT_FOUND) {
                ProblemDetail problem = e.getResponseBodyAs(ProblemDetail.class);
                throw new BranchRefusedException("the coordinator refused to register this participant: "
                        + (problem == null ? e.getStatusText() : problem.getDetail()));
            }
            throw e;
        }
    }

    /**
     * What to do with a branch held prepared here, or null if the coordinator has no record of the transaction.
     * Only a 404 that says so counts: any other (an older coordinator without this call, a proxy) is an error,
     * because reading it as "no record" would roll back a branch that may have to commit.
     */
    @Nullable String branchOutcome(String transactionId, String branchId) {
        try {
            BranchOutcome answer = rest.get().uri("/api/v1/transactions/{id}/branches/{branchId}", transactionId, branchId)
                    .retrieve().body(BranchOutcome.class);
            return answer.outcome();
        } catch (HttpClientErrorException.NotFound e) {
            ProblemDetail problem = e.getResponseBodyAs(ProblemDetail.class);
            if (problem != null && problem.getType().toString().endsWith(":transaction-not-found")) {
                return null;
            }
            throw e;
        }
    }

    TransactionView commit(String transactionId, boolean answerAtDecision) {
        return rest.post().uri("/api/v1/transactions/{id}/commit", transactionId)
                .headers(headers -> {
                    if (answerAtDecision) {
                        headers.set("Prefer", "respond-async");
                    }
                })
                .retrieve().body(TransactionView.class);
    }

    TransactionView rollback(String transactionId) {
        return rest.post().uri("/api/v1/transactions/{id}/rollback", transactionId).retrieve().body(TransactionView.class);
    }

    record BeginRequest(@Nullable Long timeoutSeconds, @Nullable String name) {
    }

    record RegisterRequest(String name, String url, @Nullable String branchId, @Nullable Boolean prepared) {
    }

    record BranchOutcome(String transactionId, String branchId, boolean registered, String outcome) {
    }

    record Registration(String transactionId, String branchId) {
    }

    record TransactionView(String id, String status, @Nullable String outcomeReason, @Nullable Instant expiresAt) {
    }
}
