package dev.verdict.coordinator.web;

import java.net.URI;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriComponentsBuilder;

import dev.verdict.coordinator.security.Callers;
import dev.verdict.coordinator.transaction.BranchOutcomes;
import dev.verdict.coordinator.transaction.Finished;
import dev.verdict.coordinator.transaction.NewTransactions;
import dev.verdict.coordinator.transaction.TransactionService;
import dev.verdict.coordinator.transaction.TransactionState;
import dev.verdict.coordinator.web.TransactionViews.BeginRequest;
import dev.verdict.coordinator.web.TransactionViews.BranchOutcomeView;
import dev.verdict.coordinator.web.TransactionViews.FinishRequest;
import dev.verdict.coordinator.web.TransactionViews.RegisterRequest;
import dev.verdict.coordinator.web.TransactionViews.RegistrationView;
import dev.verdict.coordinator.web.TransactionViews.TransactionView;

/** The public REST API: {@code /api/v1/transactions}. */
@RestController
@RequestMapping("/api/v1/transactions")
class TransactionController {

    private final TransactionService service;
    private final ParticipantRegistrations registrations;
    private final BranchOutcomes outcomes;

    TransactionController(TransactionService service, ParticipantRegistrations registrations, BranchOutcomes outcomes) {
        this.service = service;
        this.registrations = registrations;
        this.outcomes = outcomes;
    }

    @PostMapping
    ResponseEntity<TransactionView> begin(@RequestBody(required = false) @Nullable BeginRequest request,
            UriComponentsBuilder uri, Authentication caller) {
        BeginRequest begin = request == null ? new BeginRequest(null, null) : request;
        var transaction = service.begin(begin.toRequest(), Callers.of(caller));
        URI location = uri.path("/api/v1/transactions/{id}").buildAndExpand(transaction.id()).toUri();
        return ResponseEntity.created(location).body(TransactionView.of(transaction, List.of()));
    }

    @GetMapping("/{id}")
    TransactionView get(@PathVariable String id, Authentication caller) {
        return TransactionView.of(service.detailsFor(id, Callers.of(caller)));
    }

    @PostMapping("/{id}/participants")
    ResponseEntity<RegistrationView> register(@PathVariable String id, @RequestBody RegisterRequest request,
            Authentication caller) {
        return registrations.register(id, request, Callers.of(caller));
    }

    /**
     * What a participant's recovery must do with a branch it holds prepared: commit, roll back, or wait.
     * Answered for a branch the log does not have too, so that a participant that prepared before
     * registering can tell a registration still under way (the transaction is ACTIVE) from one that never
     * counted (anything else: registration is refused past ACTIVE, so no decision includes that branch).
     */
    @GetMapping("/{id}/branches/{branchId}")
    BranchOutcomeView branchOutcome(@PathVariable String id, @PathVariable String branchId, Authentication caller) {
        var outcome = outcomes.of(id, branchId, Callers.of(caller));
        return new BranchOutcomeView(id, branchId, outcome.registered(), outcome.outcome().name());
    }

    /**
     * Commits. With {@code Prefer: respond-async} (RFC 7240) the answer comes as soon as the decision is
     * durable, 202 COMMITTING, and phase 2 finishes in the background; otherwise after phase 2.
     */
    @PostMapping("/{id}/commit")
    ResponseEntity<?> commit(@PathVariable String id, @RequestHeader(name = "Prefer", required = false) @Nullable String prefer,
            @RequestBody(required = false) @Nullable FinishRequest request, Authentication caller) {
        boolean answerAtDecision = prefer != null && prefer.toLowerCase(java.util.Locale.ROOT).contains("respond-async");
        ResponseEntity<?> outcome = outcome(service.commit(id, answerAtDecision, receipts(request), next(request),
                Callers.of(caller)));
        return answerAtDecision
                ? ResponseEntity.status(outcome.getStatusCode()).header("Preference-Applied", "respond-async").body(outcome.getBody())
                : outcome;
    }

    @PostMapping("/{id}/rollback")
    ResponseEntity<?> rollback(@PathVariable String id, @RequestBody(required = false) @Nullable FinishRequest request,
            Authentication caller) {
        Finished finished = service.rollback(id, receipts(request), next(request), Callers.of(caller));
        HttpStatus status = finished.details().state() == TransactionState.ABORTED ? HttpStatus.OK : HttpStatus.ACCEPTED;
        return ResponseEntity.status(status).body(TransactionView.of(finished));
    }

    private static NewTransactions.@Nullable Request next(@Nullable FinishRequest request) {
        return request == null || request.next() == null ? null : request.next().toRequest();
    }

    private static List<String> receipts(@Nullable FinishRequest request) {
        List<String> receipts = request == null ? List.of() : request.receiptsOrNone();
        if (receipts.stream().anyMatch(java.util.Objects::isNull)) {
            throw new IllegalArgumentException("receipts must be a list of receipt strings, without nulls");
        }
        return receipts;
    }

    /** COMMITTED is 200, a logged commit still reaching its branches is 202, an abort is a 409 problem. */
    private static ResponseEntity<?> outcome(Finished finished) {
        TransactionView view = TransactionView.of(finished);
        return switch (finished.details().state()) {
            case COMMITTED -> ResponseEntity.ok(view);
            case COMMITTING -> ResponseEntity.accepted().body(view);
            default -> {
                ProblemDetail problem = Problems.of(HttpStatus.CONFLICT, "transaction-aborted", "Transaction aborted",
                        "transaction " + view.id() + " was aborted: " + view.outcomeReason());
                problem.setProperty("transaction", view);
                yield ResponseEntity.status(HttpStatus.CONFLICT).body(problem);
            }
        };
    }
}
