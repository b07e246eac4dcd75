package dev.verdict.participant.autoconfigure;

import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;

import dev.verdict.participant.BranchRefusedException;

/** The SDK's calls to the coordinator's REST API. */
class CoordinatorClient {

    private final RestClient rest;
    private final String baseUrl;

    CoordinatorClient(RestClient.Builder builder, String baseUrl, Duration requestTimeout) {
        // HTTP/1.1 on kept-alive connections, bodies sent whole with their Content-Length: no h2c upgrade
        // and no chunked bodies, which cost extra packets and round trips on every call.
        JdkClientHttpRequestFactory requests = new JdkClientHttpRequestFactory(
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build());
        requests.setReadTimeout(requestTimeout);
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.rest = builder.clone().requestFactory(requests).bufferContent((uri, method) -> true).baseUrl(this.baseUrl).build();
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
        try {
            Registration registration = rest.post().uri("/api/v1/transactions/{id}/participants", transactionId)
                    .contentType(MediaType.APPLICATION_JSON)
                    .body(new RegisterRequest(name, url))
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

    /** The transaction as the coordinator logged it, or null if it has no record of it. */
    @Nullable TransactionView find(String transactionId) {
        try {
            return rest.get().uri("/api/v1/transactions/{id}", transactionId).retrieve().body(TransactionView.class);
        } catch (HttpClientErrorException.NotFound e) {
            return null;
        }
    }

    TransactionView commit(String transactionId) {
        return rest.post().uri("/api/v1/transactions/{id}/commit", transactionId).retrieve().body(TransactionView.class);
    }

    TransactionView rollback(String transactionId) {
        return rest.post().uri("/api/v1/transactions/{id}/rollback", transactionId).retrieve().body(TransactionView.class);
    }

    record BeginRequest(@Nullable Long timeoutSeconds, @Nullable String name) {
    }

    record RegisterRequest(String name, String url) {
    }

    record Registration(String transactionId, String branchId) {
    }

    record TransactionView(String id, String status, @Nullable String outcomeReason, @Nullable Instant expiresAt) {
    }
}
