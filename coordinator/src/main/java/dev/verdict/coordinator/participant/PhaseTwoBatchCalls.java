package dev.verdict.coordinator.participant;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.HttpServerErrorException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;

import dev.verdict.coordinator.branch.Branch;
import dev.verdict.protocol.BranchRequest;
import dev.verdict.protocol.CallBatches.Outcome;
import dev.verdict.protocol.PhaseTwoBatch.Answer;
import dev.verdict.protocol.PhaseTwoBatch;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

/**
 * One phase-2 call carrying several branches of one participant: {@code POST {url}/commit-batch} or
 * {@code /rollback-batch}. Each branch gets the outcome its own call would have had: acknowledged on a 2xx,
 * otherwise the failure its own answer would have raised (a 4xx or 5xx exception with the participant's
 * problem detail), so retries, the circuit breaker and the branch's last error treat it the same.
 */
final class PhaseTwoBatchCalls {

    private final SignedCalls calls;
    private final RestClient client;
    private final JsonMapper json;
    private final Map<String, DistributionSummary> branchesPerCall;

    PhaseTwoBatchCalls(SignedCalls calls, RestClient client, JsonMapper json, MeterRegistry meters) {
        this.calls = calls;
        this.client = client;
        this.json = json;
        // made once, not looked up in the registry on every call
        this.branchesPerCall = Map.of("commit", branchesPerCall(meters, "commit"), "rollback", branchesPerCall(meters, "rollback"));
    }

    private static DistributionSummary branchesPerCall(MeterRegistry meters, String action) {
        return DistributionSummary.builder("verdict.phase2.batch.branches").description("Branches carried by one phase-2 call sent together")
                .tag("action", action).register(meters);
    }

    /**
     * Sends {@code action} for {@code branches}, all of one participant at one URL, and answers an outcome for each
     * in their order; {@code offer} hears the participant's {@value PhaseTwoBatch#HEADER}. Throws if the call as a
     * whole failed or its answer does not name every branch.
     */
    List<Outcome<Boolean>> send(List<Branch> branches, String action, BiConsumer<Branch, @Nullable String> offer) {
        Branch first = branches.getFirst();
        PhaseTwoBatch body = new PhaseTwoBatch(branches.stream().map(branch -> new BranchRequest(branch.transactionId(), branch.id())).toList());
        ResponseEntity<PhaseTwoBatch.Answers> answer = calls.post(client, first, action + "-batch", body).retrieve()
                .toEntity(PhaseTwoBatch.Answers.class);
        offer.accept(first, answer.getHeaders().getFirst(PhaseTwoBatch.HEADER));
        branchesPerCall.get(action).record(branches.size());
        Map<String, Answer> byBranch = new LinkedHashMap<>();
        if (answer.getBody() != null && answer.getBody().answers() != null) {
            answer.getBody().answers().forEach(one -> byBranch.put(one.branchId(), one));
        }
        List<Outcome<Boolean>> outcomes = new ArrayList<>(branches.size());
        for (Branch branch : branches) {
            Answer its = byBranch.get(branch.id());
            if (its == null || !branch.transactionId().equals(its.transactionId())) {
                throw new IllegalStateException("the participant's answer to " + branches.size() + " " + action
                        + " calls sent together did not answer branch " + branch.id());
            }
            outcomes.add(its.acknowledged() ? Outcome.answered(true) : Outcome.failed(failure(its)));
        }
        return outcomes;
    }

    /** The exception this branch's own call would have raised, its body the participant's problem detail. */
    private RuntimeException failure(Answer answer) {
        HttpStatusCode status = HttpStatusCode.valueOf(answer.status());
        Map<String, String> problem = new LinkedHashMap<>();
        if (answer.type() != null) {
            problem.put("type", answer.type());
        }
        if (answer.detail() != null) {
            problem.put("detail", answer.detail());
        }
        byte[] body = json.writeValueAsBytes(problem);
        String message = "HTTP " + answer.status() + " for branch " + answer.branchId() + " in a batch";
        if (status.is4xxClientError()) {
            return HttpClientErrorException.create(message, status, "", HttpHeaders.EMPTY, body, StandardCharsets.UTF_8);
        }
        if (status.is5xxServerError()) {
            return HttpServerErrorException.create(message, status, "", HttpHeaders.EMPTY, body, StandardCharsets.UTF_8);
        }
        return new RestClientResponseException(message, status, "", HttpHeaders.EMPTY, body, StandardCharsets.UTF_8);
    }
}
