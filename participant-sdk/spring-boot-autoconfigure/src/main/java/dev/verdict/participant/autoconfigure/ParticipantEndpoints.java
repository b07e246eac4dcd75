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
import dev.verdict.participant.SignedCallVerifier;
import dev.verdict.protocol.CallSignature;
import jakarta.servlet.http.HttpServletRequest;
import tools.jackson.databind.json.JsonMapper;
import dev.verdict.participant.UnknownBranchException;

/**
 * The participant side of the protocol: what the coordinator calls. Every call may be repeated, and every
 * call must be signed by the coordinator ({@link SignedCallVerifier}): one that is not is refused with 401
 * before it touches a branch.
 */
@RestController
@RequestMapping(ParticipantEndpoints.PATH)
class ParticipantEndpoints {

    static final String PATH = "/verdict/participant";

    private final BranchManager branches;
    private final SignedCallVerifier signatures;
    private final JsonMapper json;

    ParticipantEndpoints(BranchManager branches, SignedCallVerifier signatures, JsonMapper json) {
        this.branches = branches;
        this.signatures = signatures;
        this.json = json;
    }

    @PostMapping("/prepare")
    PrepareVote prepare(@RequestBody byte[] body, HttpServletRequest request) {
        BranchRequest call = verified(body, request);
        return branches.prepare(call.transactionId(), call.branchId());
    }

    @PostMapping("/commit")
    Map<String, String> commit(@RequestBody byte[] body, HttpServletRequest request) {
        BranchRequest call = verified(body, request);
        branches.commit(call.transactionId(), call.branchId());
        return Map.of("status", "COMMITTED");
    }

    @PostMapping("/rollback")
    Map<String, String> rollback(@RequestBody byte[] body, HttpServletRequest request) {
        BranchRequest call = verified(body, request);
        branches.rollback(call.transactionId(), call.branchId());
        return Map.of("status", "ROLLED_BACK");
    }

    /** The call, once its signature, age and nonce are checked against the exact bytes received. */
    private BranchRequest verified(byte[] body, HttpServletRequest request) {
        signatures.verify(request.getMethod(), request.getRequestURI(), request.getHeader(CallSignature.TIMESTAMP),
                request.getHeader(CallSignature.NONCE), request.getHeader(CallSignature.SIGNATURE), body);
        BranchRequest call;
        try {
            call = json.readValue(body, BranchRequest.class);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the body must be {\"transactionId\": ..., \"branchId\": ...}");
        }
        if (call.transactionId() == null || call.branchId() == null) {
            throw new IllegalArgumentException("the body must name transactionId and branchId");
        }
        return call;
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> unsigned(SignedCallVerifier.RefusedCallException e) {
        return ResponseEntity.status(HttpStatus.UNAUTHORIZED).header("WWW-Authenticate", "Verdict-Signature")
                .body(problem(HttpStatus.UNAUTHORIZED, "bad-signature", e.getMessage()));
    }

    @ExceptionHandler
    ProblemDetail badRequest(IllegalArgumentException e) {
        return problem(HttpStatus.BAD_REQUEST, "invalid-request", e.getMessage());
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
