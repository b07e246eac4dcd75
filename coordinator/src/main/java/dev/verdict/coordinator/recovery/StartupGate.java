package dev.verdict.coordinator.recovery;

import java.io.IOException;
import java.net.URI;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import tools.jackson.databind.json.JsonMapper;

/**
 * Turns away calls of the transaction API until start-up recovery is done, with a 503 problem detail and
 * {@code Retry-After}: a transaction begun or registered before the log is recovered could race the
 * presumed aborts, and a caller that is told to come back does not hang.
 */
@Component
class StartupGate extends OncePerRequestFilter {

    static final String GATED_PATH = "/api/v1/transactions";

    private final StartupRecovery startup;
    private final JsonMapper json;

    StartupGate(StartupRecovery startup, JsonMapper json) {
        this.startup = startup;
        this.json = json;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return startup.isDone() || !request.getRequestURI().startsWith(request.getContextPath() + GATED_PATH);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                "the coordinator is finishing start-up recovery (" + startup.progress() + "); retry in a moment");
        problem.setType(URI.create("urn:verdict:problem:starting"));
        problem.setTitle("Starting");
        response.setStatus(HttpStatus.SERVICE_UNAVAILABLE.value());
        response.setHeader(HttpHeaders.RETRY_AFTER, "1");
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), problem);
    }
}
