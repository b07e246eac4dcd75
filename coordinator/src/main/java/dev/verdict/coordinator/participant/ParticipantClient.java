package dev.verdict.coordinator.participant;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.HttpComponentsClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;

import dev.verdict.coordinator.branch.Branch;
import dev.verdict.coordinator.config.CoordinatorProperties;
import dev.verdict.protocol.CallBatches;
import dev.verdict.protocol.CallBatches.Outcome;
import dev.verdict.protocol.PhaseTwoBatch;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Speaks the participant protocol: {@code POST {url}/prepare}, {@code /commit} and {@code /rollback},
 * each with {@code {"transactionId", "branchId"}}.
 *
 * <p>Prepare is never retried: a participant that fails or is silent has voted no, and the transaction
 * aborts. Commit and rollback are retried with backoff (resilience4j retry {@code phase2}) behind a
 * circuit breaker per participant, and what is still unacknowledged after that is left to recovery. To a
 * participant that offers it, phase-2 calls that queue up behind one in flight go together in one call
 * ({@link PhaseTwoLanes}); each branch keeps its own answer and its own retries.
 */
@Component
public class ParticipantClient implements DisposableBean {

    private final CloseableHttpClient http;
    private final RestClient prepareClient;
    private final RestClient phase2Client;
    private final JsonMapper json;
    private final Retry phase2Retry;
    private final CircuitBreakerRegistry circuitBreakers;
    private final SignedCalls calls;
    private final PhaseTwoBatchCalls batchCalls;
    private final PhaseTwoLanes lanes;

    ParticipantClient(RestClient.Builder builder, JsonMapper json, CoordinatorProperties properties,
            RetryRegistry retries, CircuitBreakerRegistry circuitBreakers, SignedCalls calls, MeterRegistry meters) {
        this.calls = calls;
        this.http = ParticipantHttp.client(properties.connectTimeout(), properties.maxConnectionsPerParticipant(),
                properties.reuseConnections());
        this.prepareClient = withReadTimeout(builder, http, properties.prepareTimeout());
        this.phase2Client = withReadTimeout(builder, http, properties.phase2Timeout());
        this.json = json;
        this.phase2Retry = retries.retry("phase2");
        this.circuitBreakers = circuitBreakers;
        this.batchCalls = new PhaseTwoBatchCalls(calls, phase2Client, json, meters);
        this.lanes = new PhaseTwoLanes(properties.phaseTwoCallsInFlight(), properties.phaseTwoBatchSize(),
                properties.phaseTwoQueueWait(), this::alone, this::together);
        Gauge.builder("verdict.phase2.queued", lanes, PhaseTwoLanes::queued)
                .description("Phase-2 calls waiting behind those out to their participants, to go together").register(meters);
    }

    /** Several branches of one participant in one call; the participant's lanes go if its batch endpoint has gone. */
    private List<Outcome<Boolean>> together(List<Branch> branches, String action) {
        try {
            return batchCalls.send(branches, action, lanes::offered);
        } catch (HttpClientErrorException.NotFound | HttpClientErrorException.MethodNotAllowed gone) {
            lanes.withdrawn(branches.getFirst());
            throw gone;
        }
    }

    /**
     * Bodies are sent whole, with their Content-Length: no chunked encoding for a hundred bytes of JSON. Only a
     * 2xx acknowledges: RestClient passes 1xx and 3xx answers as successes, so they are made failures here (a
     * redirect is never followed, and a commit answered with one has not been carried out).
     */
    private static RestClient withReadTimeout(RestClient.Builder builder, CloseableHttpClient http, Duration timeout) {
        HttpComponentsClientHttpRequestFactory requests = new HttpComponentsClientHttpRequestFactory(http);
        requests.setReadTimeout(timeout);
        return builder.clone().requestFactory(requests).bufferContent((uri, method) -> true)
                .defaultStatusHandler(status -> status.is1xxInformational() || status.is3xxRedirection(), (request, response) -> {
                    throw new RestClientResponseException("HTTP " + response.getStatusCode().value() + " is not an answer of the"
                            + " protocol", response.getStatusCode(), response.getStatusText(), response.getHeaders(),
                            response.getBody().readAllBytes(), null);
                })
                .build();
    }

    @Override
    public void destroy() throws Exception {
        http.close();
    }

    /** Asks a branch to prepare. Any failure is returned as a no vote, never thrown. */
    public Vote prepare(Branch branch) {
        try {
            ResponseEntity<String> answer = calls.post(prepareClient, branch, "prepare").retrieve().toEntity(String.class);
            lanes.offered(branch, answer.getHeaders().getFirst(PhaseTwoBatch.HEADER));
            return parseVote(answer.getBody());
        } catch (RestClientResponseException e) {
            return Vote.no("answered prepare with HTTP " + e.getStatusCode().value() + describeBody(e.getResponseBodyAsString()));
        } catch (RuntimeException e) {
            return Vote.no("did not answer prepare: " + describe(e));
        }
    }

    /** Sends commit until acknowledged or the retries run out; throws the last failure then. */
    public void commit(Branch branch) {
        phase2(branch, "commit");
    }

    /** Sends rollback until acknowledged or the retries run out; throws the last failure then. */
    public void rollback(Branch branch) {
        phase2(branch, "rollback");
    }

    /**
     * The first attempt goes through the participant's lane when it offers batches (alone if nothing is out to
     * it, else with the calls queued behind), and every retry alone: a branch that a batch did not acknowledge
     * is retried exactly as if its first call had failed.
     */
    private void phase2(Branch branch, String action) {
        CircuitBreaker breaker = circuitBreakers.circuitBreaker(branch.participantName(), "participant");
        AtomicReference<@Nullable CallBatches<Branch, Boolean>> lane = new AtomicReference<>(lanes.of(branch, action));
        Supplier<Boolean> call = () -> {
            CallBatches<Branch, Boolean> first = lane.getAndSet(null);
            return first != null ? first.call(branch) : alone(branch, action);
        };
        Retry.decorateSupplier(phase2Retry, CircuitBreaker.decorateSupplier(breaker, call)).get();
    }

    /** One branch's phase-2 call; learns from the answer whether its participant takes batches. */
    private Boolean alone(Branch branch, String action) {
        ResponseEntity<Void> answer = calls.post(phase2Client, branch, action).retrieve().toBodilessEntity();
        lanes.offered(branch, answer.getHeaders().getFirst(PhaseTwoBatch.HEADER));
        return true;
    }

    private Vote parseVote(@Nullable String body) {
        if (body == null || body.isBlank()) {
            return Vote.no("answered prepare with an empty body");
        }
        try {
            JsonNode vote = json.readTree(body).path("vote");
            return switch (vote.asString("")) {
                case "PREPARED" -> new Vote(Vote.Kind.PREPARED, "prepared");
                case "READ_ONLY" -> new Vote(Vote.Kind.READ_ONLY, "read-only");
                case "ABORT" -> Vote.no(json.readTree(body).path("detail").asString("voted ABORT"));
                default -> Vote.no("answered prepare with an unknown vote " + abbreviate(body));
            };
        } catch (RuntimeException e) {
            return Vote.no("answered prepare with something that is not a vote: " + abbreviate(body));
        }
    }

    private String describeBody(@Nullable String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        try {
            String detail = json.readTree(body).path("detail").asString("");
            if (!detail.isBlank()) {
                return ": " + detail;
            }
        } catch (RuntimeException notJson) {
            // fall through: the raw text is the best description we have
        }
        return ": " + abbreviate(body);
    }

    /** A one-line description of a failed call, for the log and the branch's last error. */
    public String describe(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName()
                : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        if (e instanceof RestClientResponseException response) {
            message = "HTTP " + response.getStatusCode().value() + problemDetail(response.getResponseBodyAsString());
        }
        return abbreviate(message);
    }

    /** The detail of a problem-detail answer, which says why better than any status code. */
    private String problemDetail(@Nullable String body) {
        if (body == null || !body.contains("\"detail\"")) {
            return "";
        }
        try {
            String detail = json.readTree(body).path("detail").asString("");
            return detail.isBlank() ? "" : ": " + detail;
        } catch (RuntimeException notJson) {
            return "";
        }
    }

    private static String abbreviate(String text) {
        String oneLine = text.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= 300 ? oneLine : oneLine.substring(0, 300) + "…";
    }
}
