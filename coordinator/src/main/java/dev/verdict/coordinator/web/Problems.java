package dev.verdict.coordinator.web;

import java.lang.reflect.Method;
import java.net.URI;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.ExceptionHandlerMethodResolver;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

import dev.verdict.coordinator.security.BodyTooLargeException;
import dev.verdict.coordinator.transaction.IllegalTransitionException;
import dev.verdict.coordinator.transaction.Refusal;
import dev.verdict.coordinator.transaction.RefusedException;
import dev.verdict.coordinator.transaction.TransactionConflictException;
import dev.verdict.coordinator.transaction.TransactionNotFoundException;

/**
 * Turns every error into an RFC 9457 problem detail with a type per kind of error. Spring MVC's own
 * errors (unreadable JSON, unknown path, wrong method) come through the superclass as problems too.
 */
@RestControllerAdvice
class Problems extends ResponseEntityExceptionHandler {

    static final String TYPE_PREFIX = "urn:verdict:problem:";

    static ProblemDetail of(HttpStatusCode status, String type, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create(TYPE_PREFIX + type));
        problem.setTitle(title);
        return problem;
    }

    /** This class's own handlers, found the way Spring MVC finds them, so that {@link #answerFor} needs no list of its own. */
    private static final ExceptionHandlerMethodResolver OWN_HANDLERS = new ExceptionHandlerMethodResolver(Problems.class);

    /**
     * The answer to a request that failed with {@code e}, for a caller that answers several requests in one
     * (a batch of registrations): what this class's handler for {@code e} answers. Throws {@code e} again when
     * none of them handles it (a bug, answered 500 as it would be alone).
     */
    ResponseEntity<ProblemDetail> answerFor(RuntimeException e) {
        Method handler = OWN_HANDLERS.resolveMethodByThrowable(e);
        if (handler == null || handler.getDeclaringClass() != Problems.class) {
            throw e;
        }
        ReflectionUtils.makeAccessible(handler);
        return switch (ReflectionUtils.invokeMethod(handler, this, e)) {
            case ProblemDetail problem -> ResponseEntity.status(problem.getStatus()).body(problem);
            case ResponseEntity<?> answer when answer.getBody() instanceof ProblemDetail problem ->
                    ResponseEntity.status(answer.getStatusCode()).headers(answer.getHeaders()).body(problem);
            case null, default -> throw new IllegalStateException("the handler " + handler + " answered no problem detail", e);
        };
    }

    @ExceptionHandler
    ProblemDetail notFound(TransactionNotFoundException e) {
        return of(HttpStatus.NOT_FOUND, "transaction-not-found", "Unknown transaction", e.getMessage());
    }

    @ExceptionHandler
    ProblemDetail conflict(TransactionConflictException e) {
        ProblemDetail problem = of(HttpStatus.CONFLICT, "illegal-state", "Not allowed in the transaction's state", e.getMessage());
        problem.setProperty("state", e.state().name());
        return problem;
    }

    @ExceptionHandler
    ProblemDetail illegalTransition(IllegalTransitionException e) {
        ProblemDetail problem = of(HttpStatus.CONFLICT, "illegal-state", "Not allowed in the transaction's state",
                "the transaction is " + e.from() + " and cannot move to " + e.to()
                        + (e.from() == dev.verdict.coordinator.transaction.TransactionState.COMMITTED
                                || e.from() == dev.verdict.coordinator.transaction.TransactionState.COMMITTING
                                ? ": its commit is already decided" : ""));
        problem.setProperty("state", e.from().name());
        return problem;
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> refused(RefusedException e) {
        Refusal refusal = e.refusal();
        ProblemDetail problem = of(HttpStatusCode.valueOf(refusal.status), refusal.type, "Refused", e.getMessage());
        ResponseEntity.BodyBuilder answer = ResponseEntity.status(refusal.status);
        if (refusal == Refusal.TOO_MANY_TRANSACTIONS) {
            answer.header(HttpHeaders.RETRY_AFTER, "1");
        }
        return answer.body(problem);
    }

    /** Two coordinators inserting the same participant-chosen branch id at once: the loser changed nothing. */
    @ExceptionHandler
    ProblemDetail duplicateKey(org.springframework.dao.DuplicateKeyException e) {
        return of(HttpStatus.CONFLICT, "branch-id-taken", "Refused",
                "a branch with that id was registered at the same moment; choose a new branch id");
    }

    @ExceptionHandler
    ProblemDetail badRequest(IllegalArgumentException e) {
        return of(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request", e.getMessage());
    }

    /** A body cut off at the limit (sent without its length) is answered like one refused by its length: 413. */
    @Override
    protected @Nullable ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof BodyTooLargeException) {
                return createResponseEntity(of(HttpStatus.CONTENT_TOO_LARGE, "body-too-large", "Body too large", cause.getMessage()),
                        headers, HttpStatus.CONTENT_TOO_LARGE, request);
            }
        }
        return super.handleHttpMessageNotReadable(e, headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> createResponseEntity(Object body, HttpHeaders headers, HttpStatusCode status,
            WebRequest request) {
        if (body instanceof ProblemDetail problem
                && (problem.getType() == null || URI.create("about:blank").equals(problem.getType()))) {
            problem.setType(URI.create(TYPE_PREFIX + "invalid-request"));
        }
        return super.createResponseEntity(body, headers, status, request);
    }
}
