package dev.verdict.participant.autoconfigure;

import java.net.URI;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

import dev.verdict.participant.BranchBusyException;
import dev.verdict.participant.UnknownBranchException;

/**
 * The problem a coordinator's call answers when its branch could not do what it asked. One table for the single
 * calls and for each branch of a batch, so that a branch's answer means the same however it was sent.
 */
final class BranchProblems {

    private BranchProblems() {
    }

    static ProblemDetail of(RuntimeException e) {
        return switch (e) {
            case BranchBusyException busy -> problem(HttpStatus.SERVICE_UNAVAILABLE, "branch-busy", busy.getMessage());
            case UnknownBranchException unknown -> problem(HttpStatus.NOT_FOUND, "unknown-branch", unknown.getMessage());
            case IllegalStateException conflict -> problem(HttpStatus.CONFLICT, "branch-outcome-conflict", conflict.getMessage());
            case IllegalArgumentException invalid -> problem(HttpStatus.BAD_REQUEST, "invalid-request", invalid.getMessage());
            default -> problem(HttpStatus.INTERNAL_SERVER_ERROR, "branch-failed",
                    "the participant failed to carry out the call for this branch: " + e);
        };
    }

    static ProblemDetail problem(HttpStatus status, String type, @Nullable String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("urn:verdict:problem:" + type));
        return problem;
    }
}
