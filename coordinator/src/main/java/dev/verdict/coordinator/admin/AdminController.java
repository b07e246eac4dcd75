package dev.verdict.coordinator.admin;

import java.security.Principal;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.verdict.coordinator.log.History;
import dev.verdict.coordinator.transaction.TransactionService;

/** The admin API that the dashboard uses: {@code /api/v1/admin}. Every action needs a reason. */
@RestController
@RequestMapping("/api/v1/admin")
class AdminController {

    private final AdminQueries queries;
    private final OperatorActions actions;
    private final TransactionService transactions;
    private final History history;
    private final AuditTrail audit;

    AdminController(AdminQueries queries, OperatorActions actions, TransactionService transactions,
            History history, AuditTrail audit) {
        this.queries = queries;
        this.actions = actions;
        this.transactions = transactions;
        this.history = history;
        this.audit = audit;
    }

    record ActionRequest(@Nullable String reason) {
    }

    record ActionResult(String outcome) {
    }

    /**
     * A transaction for its page, with when recovery next sends its decision to the branches that have not
     * acknowledged it (the retries back off exponentially, up to {@code retry-backoff-max}); null when none is due.
     */
    record Details(Object transaction, @Nullable Instant nextAttemptAt, List<History.Event> history, List<AuditTrail.Entry> audit) {
    }

    /** Who is signed in, and the header that must carry the XSRF-TOKEN cookie on every action. */
    record Session(String operator, String csrfHeader) {
    }

    /** Asking for the CSRF token here is what sets the XSRF-TOKEN cookie the dashboard's script sends back. */
    @GetMapping("/session")
    Session session(Principal who, CsrfToken csrf) {
        csrf.getToken();
        return new Session(who.getName(), csrf.getHeaderName());
    }

    @GetMapping("/overview")
    AdminQueries.Overview overview() {
        return queries.overview();
    }

    @GetMapping("/transactions")
    AdminQueries.Page list(@RequestParam(required = false) @Nullable String state,
            @RequestParam(required = false) @Nullable String participant,
            @RequestParam(required = false) @Nullable Long minAgeSeconds,
            @RequestParam(required = false) @Nullable String q,
            @RequestParam(defaultValue = "0") int page, @RequestParam(defaultValue = "50") int size) {
        if (page < 0 || size < 1 || size > 500) {
            throw new IllegalArgumentException("page must be 0 or more and size between 1 and 500");
        }
        return queries.list(state, participant, minAgeSeconds, q, page, size);
    }

    @GetMapping("/transactions/{id}")
    Details details(@PathVariable String id) {
        var details = transactions.details(id);
        var transaction = details.transaction();
        boolean phase2Pending = transaction.state() == dev.verdict.coordinator.transaction.TransactionState.COMMITTING
                || transaction.state() == dev.verdict.coordinator.transaction.TransactionState.ABORTING;
        return new Details(dev.verdict.coordinator.web.TransactionViews.of(details),
                phase2Pending ? transaction.leaseUntil() : null, history.of(id), audit.of(id));
    }

    @PostMapping("/transactions/{id}/retry")
    ActionResult retry(@PathVariable String id, @RequestBody ActionRequest request, Principal who) {
        return new ActionResult(actions.retryPhase2(id, who.getName(), reason(request)));
    }

    @PostMapping("/transactions/{id}/abort")
    ActionResult abort(@PathVariable String id, @RequestBody ActionRequest request, Principal who) {
        return new ActionResult(actions.abort(id, who.getName(), reason(request)));
    }

    @PostMapping("/transactions/{id}/branches/{branchId}/resolve")
    ActionResult resolve(@PathVariable String id, @PathVariable String branchId, @RequestBody ActionRequest request,
            Principal who) {
        return new ActionResult(actions.resolveBranch(id, branchId, who.getName(), reason(request)));
    }

    private static String reason(ActionRequest request) {
        String reason = request.reason();
        if (reason == null || reason.isBlank() || reason.length() > 2000) {
            throw new IllegalArgumentException("reason is required: say in up to 2000 characters why you take this action;"
                    + " it is kept in the audit trail");
        }
        return reason.strip();
    }
}
