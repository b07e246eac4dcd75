package dev.verdict.coordinator.web;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.jspecify.annotations.Nullable;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.verdict.coordinator.security.Callers;
import dev.verdict.coordinator.security.Credentials.Caller;
import dev.verdict.coordinator.web.TransactionViews.RegisterRequest;
import dev.verdict.coordinator.web.TransactionViews.RegistrationView;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Several registrations in one call, {@code POST /api/v1/registrations}: a busy participant sends the
 * registrations that queued up while its previous call was out. Each is taken exactly as if it came alone
 * (same checks, same answers), and each gets its own status; they run at once, so their log writes share a
 * group commit. The batch saves HTTP exchanges, nothing else: no item depends on another.
 */
@RestController
class RegistrationBatchController {

    /** The most registrations one call may carry. */
    static final int MAX_REGISTRATIONS = 64;

    private final ParticipantRegistrations registrations;
    private final Problems problems;
    private final DistributionSummary sizes;

    RegistrationBatchController(ParticipantRegistrations registrations, Problems problems, MeterRegistry meters) {
        this.registrations = registrations;
        this.problems = problems;
        this.sizes = DistributionSummary.builder("verdict.registrations.batch.size")
                .description("registrations that came in one call of POST /api/v1/registrations").register(meters);
    }

    record BatchItem(@Nullable String transactionId, @Nullable String name, @Nullable String url, @Nullable String branchId,
            @Nullable Boolean prepared) {
    }

    record BatchRequest(@Nullable List<BatchItem> registrations) {
    }

    /** One registration's answer: the status it would have had alone, with its body or its problem. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BatchResult(int status, @Nullable RegistrationView registration, @Nullable ProblemDetail problem) {
    }

    record BatchResponse(List<BatchResult> results) {
    }

    @PostMapping("/api/v1/registrations")
    BatchResponse register(@RequestBody BatchRequest request, Authentication authentication) {
        List<BatchItem> items = request.registrations();
        if (items == null || items.isEmpty() || items.size() > MAX_REGISTRATIONS) {
            throw new IllegalArgumentException("registrations is required: a list of 1 to " + MAX_REGISTRATIONS
                    + " registrations, each {transactionId, name, url, branchId, prepared}");
        }
        if (items.contains(null)) {
            throw new IllegalArgumentException("registrations must not contain null");
        }
        sizes.record(items.size());
        Caller caller = Callers.of(authentication);
        List<CompletableFuture<BatchResult>> answers = new ArrayList<>(items.size());
        try (ExecutorService each = Executors.newVirtualThreadPerTaskExecutor()) {
            for (BatchItem item : items) {
                answers.add(CompletableFuture.supplyAsync(() -> registerOne(item, caller), each));
            }
        }
        try {
            return new BatchResponse(answers.stream().map(CompletableFuture::join).toList());
        } catch (CompletionException e) {
            // not a refusal but a failure (a bug, or the log unreachable): the whole call fails, as one alone would
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    private BatchResult registerOne(BatchItem item, Caller caller) {
        ResponseEntity<?> answer;
        try {
            String id = item.transactionId();
            if (id == null || id.isBlank()) {
                throw new IllegalArgumentException("transactionId is required in every registration");
            }
            answer = registrations.register(id, new RegisterRequest(item.name(), item.url(), item.branchId(), item.prepared()),
                    caller);
        } catch (RuntimeException e) {
            answer = problems.answerFor(e);
        }
        int status = answer.getStatusCode().value();
        return answer.getBody() instanceof RegistrationView view ? new BatchResult(status, view, null)
                : new BatchResult(status, null, (ProblemDetail) answer.getBody());
    }
}
