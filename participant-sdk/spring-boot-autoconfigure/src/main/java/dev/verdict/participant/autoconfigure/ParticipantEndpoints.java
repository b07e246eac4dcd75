package dev.verdict.participant.autoconfigure;

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
import dev.verdict.participant.PrepareVote;
import dev.verdict.participant.SignedCallVerifier;
import dev.verdict.participant.UnknownBranchException;
import dev.verdict.protocol.BranchRequest;
import dev.verdict.protocol.CallSignature;
import dev.verdict.protocol.PhaseTwoBatch;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * The participant side of the protocol: what the coordinator calls. Every call may be repeated, and every
 * call must be signed by the coordinator ({@link SignedCallVerifier}): one that is not is refused with 401
 * before it touches a branch. Every other answer offers the coordinator batches of phase-2 calls
 * ({@link PhaseTwoBatch#HEADER}).
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
    PrepareVote prepare(@RequestBody byte[] body, HttpServletRequest request, HttpServletResponse response) {
        BranchRequest call = branchRequest(verified(body, request, response));
        return branches.prepare(call.transactionId(), call.branchId());
    }

    @PostMapping("/commit")
    Map<String, String> commit(@RequestBody byte[] body, HttpServletRequest request, HttpServletResponse response) {
        BranchRequest call = branchRequest(verified(body, request, response));
        branches.commit(call.transactionId(), call.branchId());
        return Map.of("status", "COMMITTED");
    }

    @PostMapping("/rollback")
    Map<String, String> rollback(@RequestBody byte[] body, HttpServletRequest request, HttpServletResponse response) {
        BranchRequest call = branchRequest(verified(body, request, response));
        branches.rollback(call.transactionId(), call.branchId());
        return Map.of("status", "ROLLED_BACK");
    }

    @PostMapping("/commit-batch")
    PhaseTwoBatch.Answers commitBatch(@RequestBody byte[] body, HttpServletRequest request, HttpServletResponse response) {
        return PhaseTwoBatches.carryOut(PhaseTwoBatches.read(json, verified(body, request, response)), branches::commit);
    }

    @PostMapping("/rollback-batch")
    PhaseTwoBatch.Answers rollbackBatch(@RequestBody byte[] body, HttpServletRequest request, HttpServletResponse response) {
        return PhaseTwoBatches.carryOut(PhaseTwoBatches.read(json, verified(body, request, response)), branches::rollback);
    }

    /**
     * The body, once the call's signature, age and nonce are checked against the exact bytes received. Only then
     * does the answer offer batches: a caller without the secret learns nothing.
     */
    private byte[] verified(byte[] body, HttpServletRequest request, HttpServletResponse response) {
        signatures.verify(request.getMethod(), request.getRequestURI(), request.getHeader(CallSignature.TIMESTAMP),
                request.getHeader(CallSignature.NONCE), request.getHeader(CallSignature.SIGNATURE), body);
        response.setHeader(PhaseTwoBatch.HEADER, Integer.toString(PhaseTwoBatch.MAX_BRANCHES));
        return body;
    }

    private BranchRequest branchRequest(byte[] body) {
        BranchRequest call;
        try {
            call = json.readValue(body, BranchRequest.class);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the body must be {\"transactionId\": ..., \"branchId\": ...}");
        }
        if (call == null || call.transactionId() == null || call.branchId() == null) {
            throw new IllegalArgumentException("the body must name transactionId and branchId");
        }
        return call;
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> unsigned(SignedCallVerifier.RefusedCallException e) {
        return ResponseEntity.status(HttpStatus.UNAUTHORIZED).header("WWW-Authenticate", "Verdict-Signature")
                .body(BranchProblems.problem(HttpStatus.UNAUTHORIZED, "bad-signature", e.getMessage()));
    }

    @ExceptionHandler
    ProblemDetail badRequest(IllegalArgumentException e) {
        return BranchProblems.of(e);
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> busy(BranchBusyException e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header("Retry-After", "1").body(BranchProblems.of(e));
    }

    @ExceptionHandler
    ProblemDetail unknown(UnknownBranchException e) {
        return BranchProblems.of(e);
    }

    @ExceptionHandler
    ProblemDetail conflict(IllegalStateException e) {
        return BranchProblems.of(e);
    }
}
