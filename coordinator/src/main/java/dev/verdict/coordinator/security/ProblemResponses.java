package dev.verdict.coordinator.security;

import java.io.IOException;
import java.net.URI;
import java.util.stream.Collectors;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.csrf.CsrfException;

import tools.jackson.databind.json.JsonMapper;

/**
 * Refusals of Spring Security as RFC 9457 problem details that say why: 401 without (valid) credentials,
 * with {@code WWW-Authenticate: Bearer}, and 403 for a caller whose roles do not allow the call. Nothing
 * has been read or changed when they are sent.
 */
final class ProblemResponses implements AuthenticationEntryPoint, AccessDeniedHandler {

    private final JsonMapper json;

    ProblemResponses(JsonMapper json) {
        this.json = json;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException failure) throws IOException {
        boolean tokenSent = request.getHeader("Authorization") != null;
        response.setHeader("WWW-Authenticate", tokenSent ? "Bearer error=\"invalid_token\"" : "Bearer");
        write(response, HttpStatus.UNAUTHORIZED, "unauthenticated", "Unauthenticated", tokenSent
                ? "the credentials sent are not valid: " + failure.getMessage()
                : request.getMethod() + " " + request.getRequestURI() + " needs credentials: send Authorization: Bearer <token>"
                        + " (see src-docs/security.md)");
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException denied) throws IOException {
        if (denied instanceof CsrfException) {
            write(response, HttpStatus.FORBIDDEN, "csrf", "Missing or wrong CSRF token",
                    "a request signed in with a session must carry the X-XSRF-TOKEN header from the XSRF-TOKEN cookie");
            return;
        }
        Authentication caller = SecurityContextHolder.getContext().getAuthentication();
        write(response, HttpStatus.FORBIDDEN, "forbidden", "Forbidden", "caller '" + name(caller) + "' (" + roles(caller)
                + ") may not call " + request.getMethod() + " " + request.getRequestURI());
    }

    private static String name(@Nullable Authentication caller) {
        return caller == null ? "anonymous" : caller.getName();
    }

    private static String roles(@Nullable Authentication caller) {
        if (caller == null || caller.getAuthorities().isEmpty()) {
            return "no roles";
        }
        return "roles " + caller.getAuthorities().stream().map(GrantedAuthority::getAuthority)
                .map(authority -> authority.replaceFirst("^ROLE_", "")).sorted().collect(Collectors.joining(", "));
    }

    /** Answers {@code status} with a problem detail of type {@code urn:verdict:problem:<type>}. */
    void write(HttpServletResponse response, HttpStatus status, String type, String title, String detail) throws IOException {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("urn:verdict:problem:" + type));
        problem.setTitle(title);
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), problem);
    }
}
