package dev.verdict.coordinator.web;

import java.net.URI;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Errors the servlet container sends to {@code /error} (an exception thrown outside Spring MVC, a 404 of
 * the container) as problem details; and Tomcat's own error report, for what never reaches a servlet, as
 * well ({@link ProblemErrorReportValve}). A 500 says nothing of its cause: that goes to the log.
 */
@RestController
class ProblemErrorController implements ErrorController {

    @RequestMapping("/error")
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        HttpStatus status = code instanceof Integer number && HttpStatus.resolve(number) != null
                ? HttpStatus.resolve(number) : HttpStatus.INTERNAL_SERVER_ERROR;
        Object message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
        String detail = status.is5xxServerError() || message == null || message.toString().isBlank()
                ? status.getReasonPhrase() : message.toString();
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create(Problems.TYPE_PREFIX + (status.is5xxServerError() ? "server-error" : "invalid-request")));
        return ResponseEntity.status(status).contentType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }

    @Bean
    static WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReports() {
        return factory -> factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof org.apache.catalina.core.StandardHost host) {
                host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
            }
        });
    }
}
