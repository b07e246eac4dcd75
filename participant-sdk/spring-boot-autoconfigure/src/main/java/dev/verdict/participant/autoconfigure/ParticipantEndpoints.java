package dev.verdict.participant.autoconfigure;

import java.net.URI;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.verdict.participant.BranchBusyException;
import dev.verdict.participant.BranchManager;
import dev.verdict.participant.BranchRequest;
import dev.verdict.participant.PrepareVote;
import dev.verdict.participant.UnknownBranchException;

/** The participant side of the protocol: what the coordinator calls. Every call may be repeated. */
@RestController
@RequestMapping(ParticipantEndpoints.PATH)
class ParticipantEndpoints {

    static final String PATH = "/verdict/participant";

    private final BranchManager branches;

    ParticipantEndpoints(BranchManager branches) {
        this.branches = branches;
    }

    @PostMapping("/prepare")
    PrepareVote prepare(@RequestBody BranchRequest request) {
        return branches.prepare(request.transactionId(), request.branchId());
    }

    @PostMapping("/commit")
    Map<String, String> commit(@RequestBody BranchRequest request) {
        branches.commit(request.transactionId(), request.branchId());
        return Map.of("status", "COMMITTED");
    }

    @PostMapping("/rollback")
    Map<String, String> rollback(@RequestBody BranchRequest request) {
        branches.rollback(request.transactionId(), request.branchId());
        return Map.of("status", "ROLLED_BACK");
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> busy(BranchBusyException e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header("Retry-After", "1")
                .body(problem(HttpStatus.SERVICE_UNAVAILABLE, "branch-busy", e.getMessage()));
    }

    @ExceptionHandler
    ProblemDetail unknown(UnknownBranchException e) {
        return problem(HttpStatus.NOT_FOUND, "unknown-branch", e.getMessage());
    }

    @ExceptionHandler
    ProblemDetail conflict(IllegalStateException e) {
        return problem(HttpStatus.CONFLICT, "branch-outcome-conflict", e.getMessage());
    }

    private static ProblemDetail problem(HttpStatus status, String type, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("urn:verdict:problem:" + type));
        return problem;
    }
}
