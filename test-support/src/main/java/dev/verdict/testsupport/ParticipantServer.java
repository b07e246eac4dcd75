package dev.verdict.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The HTTP side of {@link ProtocolParticipant}, written from the protocol document: a JDK HTTP server whose
 * coordinator endpoints read each call whole and answer it only if its signature verifies (401 otherwise),
 * offer phase-2 batches with the answer header once told to, and carry out a batch as one call per branch.
 */
final class ParticipantServer implements AutoCloseable {

    /** An answer: its status and JSON body. */
    record Response(int status, String body) {
    }

    /** The business call, given the transaction its {@code Verdict-Transaction} header names. */
    @FunctionalInterface
    interface Work {
        Response handle(String transactionId) throws Exception;
    }

    /** A call of the coordinator about one branch: prepare, commit or rollback. */
    @FunctionalInterface
    interface BranchCall {
        Response handle(String branchId) throws Exception;
    }

    @FunctionalInterface
    private interface Handler {
        Response handle(byte[] body) throws Exception;
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpServer server;
    private final DocumentedSignature signature = new DocumentedSignature(TestCredentials.SIGNING_SECRET);
    private final AtomicInteger refusedCalls = new AtomicInteger();
    private final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    private volatile int batchOffer;

    ParticipantServer(Work work, BranchCall prepare, BranchCall commit, BranchCall rollback) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/work", exchange -> answer(exchange,
                () -> work.handle(exchange.getRequestHeaders().getFirst("Verdict-Transaction"))));
        server.createContext("/prepare", exchange -> signed(exchange, body -> prepare.handle(branchId(body))));
        server.createContext("/commit", exchange -> signed(exchange, body -> commit.handle(branchId(body))));
        server.createContext("/rollback", exchange -> signed(exchange, body -> rollback.handle(branchId(body))));
        // the batch endpoints, which the coordinator uses only once this participant offers them
        server.createContext("/commit-batch", exchange -> signed(exchange, body -> each(body, commit)));
        server.createContext("/rollback-batch", exchange -> signed(exchange, body -> each(body, rollback)));
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** From now on every answer to a signed call offers batches of at most {@code most} branches. */
    void offerBatches(int most) {
        this.batchOffer = most;
    }

    List<Integer> batchSizes() {
        return List.copyOf(batchSizes);
    }

    int refusedCalls() {
        return refusedCalls.get();
    }

    /** A batch: each branch as its own call, answered with the status and body that call would have had. */
    private Response each(byte[] body, BranchCall call) throws Exception {
        JsonNode batch = JSON.readTree(body).path("branches");
        batchSizes.add(batch.size());
        List<Map<String, Object>> answers = new ArrayList<>();
        for (JsonNode branch : batch) {
            Response alone = call.handle(branch.path("branchId").asString());
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("transactionId", branch.path("transactionId").asString());
            answer.put("branchId", branch.path("branchId").asString());
            answer.put("status", alone.status());
            if (alone.status() >= 300) {
                JsonNode problem = JSON.readTree(alone.body());
                answer.put("type", problem.path("type").asString(null));
                answer.put("detail", problem.path("detail").asString(null));
            }
            answers.add(answer);
        }
        return new Response(200, JSON.writeValueAsString(Map.of("answers", answers)));
    }

    private static String branchId(byte[] body) {
        return JSON.readTree(body).path("branchId").asString();
    }

    /** A call of the coordinator: read whole, and answered only if its signature verifies. */
    private void signed(HttpExchange exchange, Handler handler) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        var headers = exchange.getRequestHeaders();
        String refusal = signature.refusal(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                headers.getFirst("Verdict-Timestamp"), headers.getFirst("Verdict-Nonce"), headers.getFirst("Verdict-Signature"), body);
        if (refusal != null) {
            refusedCalls.incrementAndGet();
            answer(exchange, () -> new Response(401, "{\"status\":401,\"detail\":\"" + refusal + "\"}"));
            return;
        }
        if (batchOffer > 0) {
            exchange.getResponseHeaders().set("Verdict-Phase-Two-Batch", Integer.toString(batchOffer));
        }
        answer(exchange, () -> handler.handle(body));
    }

    @FunctionalInterface
    private interface Answering {
        Response get() throws Exception;
    }

    private static void answer(HttpExchange exchange, Answering answering) throws IOException {
        Response response;
        try {
            response = answering.get();
        } catch (Exception e) {
            response = new Response(500, String.valueOf(e));
        }
        byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(response.status(), body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
