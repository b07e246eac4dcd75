package dev.verdict.participant.autoconfigure;

import java.io.IOException;

import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

import dev.verdict.participant.TransactionContext;

/** Adds the {@value TransactionContext#HEADER} header to outgoing calls made inside a global transaction. */
public class TransactionContextInterceptor implements ClientHttpRequestInterceptor {

    @Override
    public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
            throws IOException {
        String transactionId = TransactionContext.currentTransactionId();
        if (transactionId != null && !request.getHeaders().containsHeader(TransactionContext.HEADER)) {
            request.getHeaders().set(TransactionContext.HEADER, transactionId);
        }
        return execution.execute(request, body);
    }
}
