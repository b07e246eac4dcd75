package dev.verdict.coordinator.security;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.HandlerInterceptor;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import tools.jackson.databind.json.JsonMapper;

/**
 * Limits that keep one caller from hurting the others: a body larger than {@code max-body-size} is refused
 * with 413 from its Content-Length, before anything reads it (a body without one is cut off there); and
 * each caller may make {@code requests-per-second} calls (resilience4j rate limiter per caller), beyond
 * which it hears 429 with {@code Retry-After}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class RequestLimits extends org.springframework.web.filter.OncePerRequestFilter implements HandlerInterceptor {

    private final long maxBody;
    private final RateLimiterConfig perCaller;
    private final ConcurrentMap<String, RateLimiter> limiters = new ConcurrentHashMap<>();
    private final ProblemResponses problems;

    RequestLimits(SecurityProperties properties, JsonMapper json) {
        this.maxBody = properties.maxBodySize().toBytes();
        this.perCaller = RateLimiterConfig.custom().limitForPeriod(properties.requestsPerSecond())
                .limitRefreshPeriod(Duration.ofSeconds(1)).timeoutDuration(Duration.ZERO).build();
        this.problems = new ProblemResponses(json);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getContentLengthLong() > maxBody) {
            problems.write(response, HttpStatus.CONTENT_TOO_LARGE, "body-too-large", "Body too large",
                    "the body has " + request.getContentLengthLong() + " bytes, more than the " + maxBody + " this coordinator accepts (verdict.security.max-body-size)");
            return;
        }
        chain.doFilter(new LimitedBodyRequest(request, maxBody), response);
    }

    /** After authentication, before the controller: the caller's share of calls. */
    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) throws IOException {
        Authentication caller = SecurityContextHolder.getContext().getAuthentication();
        if (caller == null || !caller.isAuthenticated()) {
            return true;
        }
        RateLimiter limiter = limiters.computeIfAbsent(caller.getName(), name -> RateLimiter.of("caller-" + name, perCaller));
        if (limiter.acquirePermission()) {
            return true;
        }
        response.setHeader(HttpHeaders.RETRY_AFTER, "1");
        problems.write(response, HttpStatus.TOO_MANY_REQUESTS, "too-many-requests", "Too many requests", "caller '"
                + caller.getName() + "' made more than " + perCaller.getLimitForPeriod()
                + " calls in a second (verdict.security.requests-per-second); retry in a second");
        return false;
    }
}
