package dev.verdict.coordinator.recovery;

import java.io.IOException;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/** The API requests being served right now and since when, so that the watchdog can see one that never ends. */
@Component
class InFlightRequests extends OncePerRequestFilter {

    private final AtomicLong sequence = new AtomicLong();
    private final Map<Long, Request> running = new ConcurrentHashMap<>();

    /** One request under way; {@code startedNanos} is on the monotonic clock. */
    record Request(String method, String path, long startedNanos) {

        Duration age() {
            return Duration.ofNanos(System.nanoTime() - startedNanos);
        }
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !request.getRequestURI().startsWith(request.getContextPath() + "/api/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long key = sequence.incrementAndGet();
        running.put(key, new Request(request.getMethod(), request.getRequestURI(), System.nanoTime()));
        try {
            chain.doFilter(request, response);
        } finally {
            running.remove(key);
        }
    }

    Optional<Request> oldest() {
        return running.values().stream().min(Comparator.comparingLong(Request::startedNanos));
    }

    int count() {
        return running.size();
    }
}
