package dev.verdict.participant.autoconfigure;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.util.Timeout;
import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;

import dev.verdict.participant.BranchRefusedException;
import dev.verdict.protocol.CallBatches;
import dev.verdict.protocol.CallBatches.Outcome;

/** The SDK's calls to the coordinator's REST API. */
class CoordinatorClient {

    private static final int MAX_CONNECTIONS = 64;

    private static final Logger log = LoggerFactory.getLogger(CoordinatorClient.class);
    /** As many as the coordinator takes in one call of {@code POST /api/v1/registrations}. */
    private static final int MAX_BATCH = 64;
    /**
     * The longest a registration waits behind the calls that are out before it goes alone: far above a
     * registration's time under load (milliseconds), far below a hung call's read timeout.
     */
    private static final Duration MAX_QUEUE_WAIT = Duration.ofMillis(500);

    private final RestClient rest;
    private final String baseUrl;
    private final CallBatches<PendingRegistration, String> registrations;
    private volatile boolean batchesRefused;
    /** The name this service has to the coordinator, once learned; empty if the coordinator does not say it. */
    private volatile @Nullable Optional<String> caller;

    /**
     * @param registrationCallsInFlight how many registration calls may be out at once; registrations that
     *        arrive while that many are out wait, and go together in one call when the next comes back
     */
    CoordinatorClient(RestClient.Builder builder, String baseUrl, Duration requestTimeout, @Nullable String token,
            int registrationCallsInFlight) {
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
        this.registrations = new CallBatches<>(registrationCallsInFlight, MAX_BATCH, MAX_QUEUE_WAIT,
                this::registerAlone, this::registerTogether);
    }

    String baseUrl() {
        return baseUrl;
    }

    /** Who the coordinator is; remembers the name it knows this service by (see {@link #caller()}). */
    @SuppressWarnings("unchecked")
    Map<String, Object> describe() {
        Map<String, Object> answer = rest.get().uri("/api/v1/coordinator").retrieve().body(Map.class);
        if (answer != null) {
            caller = Optional.ofNullable(answer.get("caller")).map(Object::toString);
        }
        return answer;
    }

    /**
     * The name the coordinator knows this service by, learned from the start-up check or asked at first need;
     * null if it cannot be learned (the coordinator is unreachable now, or too old to say), and then this
     * participant registers its branches.
     */
    @Nullable String caller() {
        Optional<String> known = caller;
        if (known == null) {
            try {
                describe();
                known = caller;
            } catch (RuntimeException e) {
                log.debug("Could not ask the coordinator for this service's name: {}", e.toString());
                return null;
            }
        }
        return known == null ? null : known.orElse(null);
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
        return registrations.call(new PendingRegistration(transactionId, request));
    }

    private String registerAlone(PendingRegistration registration) {
        try {
            Registration registered = rest.post().uri("/api/v1/transactions/{id}/participants", registration.transactionId())
                    .contentType(MediaType.APPLICATION_JSON)
                    .body(registration.request())
                    .retrieve().body(Registration.class);
            return registered.branchId();
        } catch (HttpClientErrorException e) {
            if (refuses(e.getStatusCode().value())) {
                ProblemDetail problem = e.getResponseBodyAs(ProblemDetail.class);
                throw refused(problem == null ? e.getStatusText() : problem.getDetail());
            }
            throw e;
        }
    }

    /**
     * Several registrations in one call. Each result means what the same answer would mean alone: 2xx
     * registered, 409 or 404 refused, anything else unknown. A coordinator too old to take batches (404 or 405
     * for the call itself) gets them one by one, from then on.
     */
    List<Outcome<String>> registerTogether(List<PendingRegistration> batch) {
        if (batchesRefused) {
            return oneByOne(batch);
        }
        BatchResponse answer;
        try {
            answer = rest.post().uri("/api/v1/registrations").contentType(MediaType.APPLICATION_JSON)
                    .body(new BatchRequest(batch.stream().map(PendingRegistration::asItem).toList()))
                    .retrieve().body(BatchResponse.class);
        } catch (HttpClientErrorException.NotFound | HttpClientErrorException.MethodNotAllowed e) {
            batchesRefused = true;
            log.warn("The coordinator at {} takes no batches of registrations (HTTP {}); this service registers one"
                    + " branch per call from now on", baseUrl, e.getStatusCode().value());
            return oneByOne(batch);
        }
        if (answer == null || answer.results() == null) {
            throw new IllegalStateException("the coordinator answered a batch of registrations with no results");
        }
        return answer.results().stream().map(result -> {
            if (result.status() >= 200 && result.status() < 300 && result.registration() != null) {
                return Outcome.answered(result.registration().branchId());
            }
            String detail = result.problem() == null ? "HTTP " + result.status() : result.problem().getDetail();
            return Outcome.<String>failed(refuses(result.status()) ? refused(detail)
                    : new IllegalStateException("the coordinator answered the registration with HTTP " + result.status()
                            + ": " + detail));
        }).toList();
    }

    private List<Outcome<String>> oneByOne(List<PendingRegistration> batch) {
        return batch.stream().map(registration -> {
            try {
                return Outcome.answered(registerAlone(registration));
            } catch (RuntimeException e) {
                return Outcome.<String>failed(e);
            }
        }).toList();
    }

    /** 409 and 404 to a registration mean refused: the branch is rolled back. Anything else leaves it unknown. */
    private static boolean refuses(int status) {
        return status == HttpStatus.CONFLICT.value() || status == HttpStatus.NOT_FOUND.value();
    }

    private static BranchRefusedException refused(@Nullable String why) {
        return new BranchRefusedException("the coordinator refused to register this participant: " + why);
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

    /**
     * Commits; {@code receipts} are those of the branches that answered with one instead of registering, and
     * {@code next} the transaction to begin with it, if any.
     */
    TransactionView commit(String transactionId, boolean answerAtDecision, List<String> receipts, @Nullable BeginRequest next) {
        var request = rest.post().uri("/api/v1/transactions/{id}/commit", transactionId)
                .headers(headers -> {
                    if (answerAtDecision) {
                        headers.set("Prefer", "respond-async");
                    }
                });
        if (!receipts.isEmpty() || next != null) {
            request.contentType(MediaType.APPLICATION_JSON).body(new FinishRequest(receipts, next));
        }
        return request.retrieve().body(TransactionView.class);
    }

    TransactionView rollback(String transactionId, List<String> receipts, @Nullable BeginRequest next) {
        var request = rest.post().uri("/api/v1/transactions/{id}/rollback", transactionId);
        if (!receipts.isEmpty() || next != null) {
            request.contentType(MediaType.APPLICATION_JSON).body(new FinishRequest(receipts, next));
        }
        return request.retrieve().body(TransactionView.class);
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record FinishRequest(List<String> receipts, @Nullable BeginRequest next) {
    }

    record BeginRequest(@Nullable Long timeoutSeconds, @Nullable String name) {
    }

    record RegisterRequest(String name, String url, @Nullable String branchId, @Nullable Boolean prepared) {
    }

    /** A registration on its way: the transaction it joins, and what it says. */
    record PendingRegistration(String transactionId, RegisterRequest request) {

        BatchItem asItem() {
            return new BatchItem(transactionId, request.name(), request.url(), request.branchId(), request.prepared());
        }
    }

    record BatchItem(String transactionId, String name, String url, @Nullable String branchId, @Nullable Boolean prepared) {
    }

    record BatchRequest(List<BatchItem> registrations) {
    }

    record BatchResult(int status, @Nullable Registration registration, @Nullable ProblemDetail problem) {
    }

    record BatchResponse(@Nullable List<BatchResult> results) {
    }

    record BranchOutcome(String transactionId, String branchId, boolean registered, String outcome) {
    }

    record Registration(String transactionId, String branchId) {
    }

    /** A transaction; {@code next} is the one a commit or rollback began with it, if it was asked to. */
    record TransactionView(String id, String status, @Nullable String outcomeReason, @Nullable Instant createdAt,
            @Nullable Instant expiresAt, @Nullable TransactionView next) {
    }
}
