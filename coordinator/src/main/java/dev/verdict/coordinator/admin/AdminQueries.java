package dev.verdict.coordinator.admin;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;

/**
 * The read side of the dashboard: counts, the in-doubt summary, the throughput chart and the filtered,
 * paged list. Every query is bounded by an index or a LIMIT, so it stays fast with a large log.
 */
@Component
class AdminQueries {

    /** Decided or deciding, and not finished: these need phase 2 or a decision to end. */
    static final String IN_DOUBT = "('PREPARING', 'COMMITTING', 'ABORTING')";

    private final JdbcClient jdbc;
    private final CircuitBreakerRegistry circuitBreakers;
    private final Clock clock;

    AdminQueries(JdbcClient jdbc, CircuitBreakerRegistry circuitBreakers, Clock clock) {
        this.jdbc = jdbc;
        this.circuitBreakers = circuitBreakers;
        this.clock = clock;
    }

    record Overview(Map<String, Long> counts, long inDoubt, @Nullable Long oldestInDoubtSeconds,
            List<Minute> throughput, List<Participant> participants) {
    }

    record Minute(Instant minute, long committed, long aborted) {
    }

    record Participant(String name, String circuitBreaker, long unfinishedBranches, @Nullable String lastError,
            @Nullable Instant lastErrorAt) {
    }

    record Row(String id, @Nullable String name, String status, Instant createdAt, @Nullable Instant finishedAt,
            long branches, boolean inDoubt, boolean resolvedByHand, @Nullable String outcomeReason) {
    }

    record Page(List<Row> items, int page, int size, boolean hasNext) {
    }

    Overview overview() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String state : List.of("ACTIVE", "PREPARING", "COMMITTING", "COMMITTED", "ABORTING", "ABORTED")) {
            counts.put(state, 0L);
        }
        jdbc.sql("SELECT state, COUNT(*) FROM global_transaction GROUP BY state")
                .query(rs -> {
                    counts.put(rs.getString(1), rs.getLong(2));
                });
        long inDoubt = counts.get("PREPARING") + counts.get("COMMITTING") + counts.get("ABORTING");
        Timestamp oldest = jdbc.sql("SELECT MIN(created_at) FROM global_transaction WHERE state IN " + IN_DOUBT)
                .query(Timestamp.class).optional().orElse(null);
        Instant now = clock.instant();
        Long oldestSeconds = oldest == null ? null : Duration.between(oldest.toInstant(), now).toSeconds();
        return new Overview(counts, inDoubt, oldestSeconds, throughput(now), participants());
    }

    /** In-doubt count and the age of the oldest, for the metrics gauges. */
    long[] inDoubtSummary() {
        return jdbc.sql("SELECT COUNT(*), MIN(created_at) FROM global_transaction WHERE state IN " + IN_DOUBT)
                .query((rs, row) -> new long[] {rs.getLong(1), rs.getTimestamp(2) == null ? 0
                        : Duration.between(rs.getTimestamp(2).toInstant(), clock.instant()).toSeconds()})
                .single();
    }

    private List<Minute> throughput(Instant now) {
        Instant since = now.minus(Duration.ofMinutes(15));
        TreeMap<Instant, long[]> minutes = new TreeMap<>();
        for (int i = 14; i >= 0; i--) {
            minutes.put(now.minus(Duration.ofMinutes(i)).truncatedTo(java.time.temporal.ChronoUnit.MINUTES), new long[2]);
        }
        jdbc.sql("""
                SELECT finished_at, state FROM global_transaction
                WHERE finished_at >= :since ORDER BY finished_at LIMIT 200000""")
                .param("since", Timestamp.from(since))
                .query(rs -> {
                    Instant minute = rs.getTimestamp(1).toInstant().truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
                    long[] bucket = minutes.get(minute);
                    if (bucket != null) {
                        bucket["COMMITTED".equals(rs.getString(2)) ? 0 : 1]++;
                    }
                });
        List<Minute> chart = new ArrayList<>();
        minutes.forEach((minute, bucket) -> chart.add(new Minute(minute, bucket[0], bucket[1])));
        return chart;
    }

    private List<Participant> participants() {
        Map<String, Participant> byName = new TreeMap<>();
        jdbc.sql("""
                SELECT b.participant_name, COUNT(*) FROM branch b JOIN global_transaction t ON t.id = b.transaction_id
                WHERE t.state IN """ + IN_DOUBT
                + " AND b.state NOT IN ('COMMITTED', 'ROLLED_BACK', 'READ_ONLY', 'RESOLVED_BY_HAND') GROUP BY b.participant_name")
                .query(rs -> {
                    byName.put(rs.getString(1), new Participant(rs.getString(1), breakerState(rs.getString(1)), rs.getLong(2), null, null));
                });
        jdbc.sql("""
                SELECT participant_name, last_error, updated_at FROM branch
                WHERE last_error IS NOT NULL ORDER BY updated_at DESC LIMIT 200""")
                .query(rs -> {
                    String name = rs.getString(1);
                    Participant known = byName.get(name);
                    if (known == null || known.lastError() == null) {
                        byName.put(name, new Participant(name, breakerState(name), known == null ? 0 : known.unfinishedBranches(),
                                rs.getString(2), rs.getTimestamp(3).toInstant()));
                    }
                });
        for (CircuitBreaker breaker : circuitBreakers.getAllCircuitBreakers()) {
            byName.putIfAbsent(breaker.getName(), new Participant(breaker.getName(), breaker.getState().name(), 0, null, null));
        }
        return List.copyOf(byName.values());
    }

    private String breakerState(String participant) {
        return circuitBreakers.find(participant).map(breaker -> breaker.getState().name()).orElse("CLOSED");
    }

    Page list(@Nullable String state, @Nullable String participant, @Nullable Long minAgeSeconds, @Nullable String search,
            int page, int size) {
        StringBuilder sql = new StringBuilder("""
                SELECT t.id, t.name, t.state, t.created_at, t.finished_at, t.outcome_reason,
                       (SELECT COUNT(*) FROM branch b WHERE b.transaction_id = t.id),
                       (SELECT COUNT(*) FROM branch b WHERE b.transaction_id = t.id AND b.state = 'RESOLVED_BY_HAND')
                FROM global_transaction t WHERE 1 = 1""");
        Map<String, Object> params = new LinkedHashMap<>();
        if (state != null && !state.isBlank()) {
            if (state.equals("IN_DOUBT")) {
                sql.append(" AND t.state IN ").append(IN_DOUBT);
            } else {
                sql.append(" AND t.state = :state");
                params.put("state", state);
            }
        }
        if (participant != null && !participant.isBlank()) {
            sql.append(" AND EXISTS (SELECT 1 FROM branch b WHERE b.transaction_id = t.id AND b.participant_name = :participant)");
            params.put("participant", participant);
        }
        if (minAgeSeconds != null && minAgeSeconds > 0) {
            sql.append(" AND t.created_at <= :olderThan");
            params.put("olderThan", Timestamp.from(clock.instant().minusSeconds(minAgeSeconds)));
        }
        if (search != null && !search.isBlank()) {
            sql.append(" AND (t.id LIKE :search OR t.name LIKE :search)");
            params.put("search", "%" + search.strip() + "%");
        }
        sql.append(" ORDER BY t.created_at DESC, t.id LIMIT :limit OFFSET :offset");
        params.put("limit", size + 1);
        params.put("offset", (long) page * size);
        List<Row> rows = jdbc.sql(sql.toString()).params(params).query((rs, row) -> new Row(rs.getString(1), rs.getString(2),
                rs.getString(3), rs.getTimestamp(4).toInstant(), rs.getTimestamp(5) == null ? null : rs.getTimestamp(5).toInstant(),
                rs.getLong(7), IN_DOUBT.contains("'" + rs.getString(3) + "'"), rs.getLong(8) > 0, rs.getString(6))).list();
        boolean hasNext = rows.size() > size;
        return new Page(hasNext ? rows.subList(0, size) : rows, page, size, hasNext);
    }
}
