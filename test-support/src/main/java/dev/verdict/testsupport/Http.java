package dev.verdict.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** JSON over HTTP for tests: every answer comes back as status, headers and body, whatever the status. */
public final class Http {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String baseUrl;
    private final Map<String, String> headers;

    public Http(String baseUrl) {
        this(baseUrl, Map.of());
    }

    private Http(String baseUrl, Map<String, String> headers) {
        this.baseUrl = baseUrl;
        this.headers = headers;
    }

    /** The same client, sending one more header on every request. */
    public Http withHeader(String name, String value) {
        Map<String, String> more = new java.util.HashMap<>(headers);
        more.put(name, value);
        return new Http(baseUrl, Map.copyOf(more));
    }

    public record Answer(int status, JsonNode body, String raw, Map<String, java.util.List<String>> headers) {

        public String text(String field) {
            return body.path(field).asString();
        }

        public String contentType() {
            return headers.getOrDefault("content-type", java.util.List.of("")).getFirst();
        }
    }

    /** Waits until {@code path} answers {@code status}, such as a readiness check after a start. */
    public Http awaitStatus(String path, int status) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> get(path).status() == status);
        return this;
    }

    public Answer get(String path) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET());
    }

    public Answer post(String path) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    public Answer post(String path, Object body) {
        String json = body instanceof String text ? text : JSON.writeValueAsString(body);
        return postRaw(path, json);
    }

    public Answer postRaw(String path, String json) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** A POST of any body, such as one streamed in chunks. */
    public Answer post(String path, HttpRequest.BodyPublisher body) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Content-Type", "application/json").POST(body));
    }

    /** Any method, with a JSON body or none, to any path (sent as given, so it may be malformed on purpose). */
    public Answer request(String method, String path, String jsonOrNull) {
        HttpRequest.BodyPublisher body = jsonOrNull == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(jsonOrNull);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).method(method, body);
        if (jsonOrNull != null) {
            request.header("Content-Type", "application/json");
        }
        return send(request);
    }

    private Answer send(HttpRequest.Builder request) {
        headers.forEach(request::header);
        try {
            HttpResponse<String> response = CLIENT.send(request.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body;
            try {
                body = response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
            } catch (RuntimeException notJson) {
                body = JSON.nullNode();
            }
            return new Answer(response.statusCode(), body, response.body(), response.headers().map());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
