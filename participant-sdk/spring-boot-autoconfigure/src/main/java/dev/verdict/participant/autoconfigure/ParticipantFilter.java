package dev.verdict.participant.autoconfigure;

import java.io.IOException;
import java.net.URI;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;

import dev.verdict.participant.BranchManager;
import dev.verdict.participant.BranchInDoubtException;
import dev.verdict.participant.BranchRefusedException;
import dev.verdict.participant.Enlistment;
import dev.verdict.participant.TransactionContext;
import dev.verdict.protocol.BranchReceipt;
import tools.jackson.databind.json.JsonMapper;

/**
 * Puts a request that carries the {@value TransactionContext#HEADER} header into its global transaction:
 * binds the context (so outgoing calls carry it on) and the enlistment (so database work joins the
 * branch). A request that fails dooms the branch, so the transaction cannot commit half of its work. A branch
 * that prepares as its request ends is prepared and registered before the answer goes out.
 */
class ParticipantFilter extends OncePerRequestFilter {

    private final BranchManager branches;
    private final JsonMapper json;

    ParticipantFilter(BranchManager branches, JsonMapper json) {
        this.branches = branches;
        this.json = json;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String transactionId = request.getHeader(TransactionContext.HEADER);
        if (transactionId == null || transactionId.isBlank()
                || request.getRequestURI().startsWith(request.getContextPath() + ParticipantEndpoints.PATH)) {
            chain.doFilter(request, response);
            return;
        }
        if (!transactionId.matches("[A-Za-z0-9._:-]{1,64}")) {
            problem(response, HttpStatus.BAD_REQUEST, "invalid-transaction-context", "the " + TransactionContext.HEADER
                    + " header must be a global transaction id of 1 to 64 letters, digits, '.', '_', ':' or '-'");
            return;
        }
        // A branch prepared as the request ends may still be refused: the answer waits in a buffer until then,
        // so that a client never sees a success for work that does not count.
        ContentCachingResponseWrapper held = branches.preparesAtRequestEnd() ? new ContentCachingResponseWrapper(response) : null;
        HttpServletResponse answer = held == null ? response : held;
        try (var mdc = MDC.putCloseable("txId", transactionId);
                var context = TransactionContext.bind(transactionId);
                Enlistment enlistment = branches.enlist(transactionId,
                        BranchReceipt.COLLECT.equals(request.getHeader(BranchReceipt.REQUEST_HEADER)))) {
            try {
                chain.doFilter(request, answer);
                if (answer.getStatus() >= 500) {
                    enlistment.fail("the request " + request.getMethod() + " " + request.getRequestURI()
                            + " answered HTTP " + answer.getStatus());
                } else {
                    String receipt = enlistment.complete();
                    if (receipt != null) {
                        answer.setHeader(BranchReceipt.HEADER, receipt);
                    }
                }
            } catch (IOException | ServletException | RuntimeException e) {
                enlistment.fail("the request " + request.getMethod() + " " + request.getRequestURI() + " failed: " + e);
                if (!response.isCommitted()) {
                    BranchRefusedException refused = refusal(e);
                    if (refused != null) {
                        answer.reset();
                        problem(response, HttpStatus.CONFLICT, "transaction-not-active", refused.getMessage());
                        return;
                    }
                    if (e instanceof BranchInDoubtException inDoubt) {
                        answer.reset();
                        problem(response, HttpStatus.SERVICE_UNAVAILABLE, "branch-in-doubt", inDoubt.getMessage());
                        return;
                    }
                    if (held != null) {
                        held.reset();
                    }
                }
                throw e;
            }
        }
        if (held != null) {
            held.copyBodyToResponse();
        }
    }

    private static @Nullable BranchRefusedException refusal(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof BranchRefusedException refused) {
                return refused;
            }
        }
        return null;
    }

    private void problem(HttpServletResponse response, HttpStatus status, String type, @Nullable String detail)
            throws IOException {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("urn:verdict:problem:" + type));
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), problem);
    }
}
