package dev.verdict.coordinator.web;

import java.io.IOException;
import java.io.Writer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.http.HttpStatus;

import tools.jackson.databind.json.JsonMapper;

/**
 * Tomcat's own refusals, made before a request reaches Spring (a request line or header too long, a bad
 * percent-encoding, an invalid character), as RFC 9457 problem details instead of Tomcat's HTML page.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(true);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return;
        }
        HttpStatus known = HttpStatus.resolve(status);
        String detail = response.getMessage();
        if ((detail == null || detail.isBlank()) && throwable != null && status < 500) {
            detail = throwable.getMessage();
        }
        if (detail == null || detail.isBlank() || status >= 500) {
            detail = known == null ? "the request could not be served" : known.getReasonPhrase();
        }
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "urn:verdict:problem:" + (status < 500 ? "invalid-request" : "server-error"));
        problem.put("title", known == null ? "Error" : known.getReasonPhrase());
        problem.put("status", status);
        problem.put("detail", detail.lines().findFirst().orElse(detail));
        try {
            response.setContentType("application/problem+json");
            response.setCharacterEncoding("UTF-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(JSON.writeValueAsString(problem));
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the connection is gone or the response is committed: nothing more can be sent
        }
    }
}
