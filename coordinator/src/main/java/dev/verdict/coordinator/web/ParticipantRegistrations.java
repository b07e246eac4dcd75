package dev.verdict.coordinator.web;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

import dev.verdict.coordinator.security.Credentials.Caller;
import dev.verdict.coordinator.transaction.TransactionService;
import dev.verdict.coordinator.transaction.TransactionService.Registration;
import dev.verdict.coordinator.web.TransactionViews.RegisterRequest;
import dev.verdict.coordinator.web.TransactionViews.RegistrationView;

/**
 * One registration as the API takes it, alone or in a batch: the request's checks, then the service. Both
 * endpoints go through here, so that a registration means the same whichever way it came.
 */
@Component
class ParticipantRegistrations {

    private static final String BRANCH_ID = "[A-Za-z0-9._:-]{1,64}";

    private final TransactionService service;

    ParticipantRegistrations(TransactionService service) {
        this.service = service;
    }

    /** 201 with a new branch, 200 with the branch this registration made before; throws what the API answers as a problem. */
    ResponseEntity<RegistrationView> register(String id, RegisterRequest request, Caller caller) {
        String name = request.name();
        String url = request.url();
        if (name == null || name.isBlank() || name.length() > 100) {
            throw new IllegalArgumentException("name is required: the participant service's name, at most 100 characters");
        }
        if (url == null || !url.matches("https?://[^\\s]+") || url.length() > 500) {
            throw new IllegalArgumentException("url is required: the absolute http(s) base URL at which the participant"
                    + " answers prepare, commit and rollback, at most 500 characters; was " + url);
        }
        String branchId = request.branchId();
        boolean prepared = Boolean.TRUE.equals(request.prepared());
        if (branchId != null && !branchId.matches(BRANCH_ID)) {
            throw new IllegalArgumentException("branchId must be 1 to 64 letters, digits, '.', '_', ':' or '-'; was " + branchId);
        }
        if (prepared && branchId == null) {
            throw new IllegalArgumentException("branchId is required with prepared: true: the id under which the participant"
                    + " prepared its branch");
        }
        Registration registration = service.register(id, name, url, branchId, prepared, caller);
        var view = new RegistrationView(id, registration.branch().id(), registration.branch().state().name());
        return ResponseEntity.status(registration.created() ? HttpStatus.CREATED : HttpStatus.OK).body(view);
    }
}
