package dev.verdict.participant.autoconfigure;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

import dev.verdict.participant.TransactionContext;
import dev.verdict.protocol.BranchReceipt;

/**
 * Adds the {@value TransactionContext#HEADER} header to outgoing calls made inside a global transaction, but
 * only to the hosts listed in {@code verdict.propagate-to}: the services taking part. A call to any other
 * host (a payment provider, a search engine) never learns the transaction. In a transaction this process began,
 * it asks the participants for receipts of their prepared branches and collects those that come back, for the
 * commit to carry.
 */
public class TransactionContextInterceptor implements ClientHttpRequestInterceptor {

    private static final Logger log = LoggerFactory.getLogger(TransactionContextInterceptor.class);

    private final List<String> hosts;
    private final @Nullable ReceiptCollector receipts;

    public TransactionContextInterceptor(List<String> hosts) {
        this(hosts, null);
    }

    TransactionContextInterceptor(List<String> hosts, @Nullable ReceiptCollector receipts) {
        this.receipts = receipts;
        this.hosts = hosts.stream().map(host -> host.strip().toLowerCase(Locale.ROOT)).filter(host -> !host.isEmpty()).toList();
    }

    @Override
    public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
            throws IOException {
        String transactionId = TransactionContext.currentTransactionId();
        boolean collecting = false;
        if (transactionId != null && !request.getHeaders().containsHeader(TransactionContext.HEADER)) {
            if (takesPart(request.getURI())) {
                request.getHeaders().set(TransactionContext.HEADER, transactionId);
                // Only the process that began the transaction commits it, so only it may take receipts: a service
                // passing the transaction on would not hand them to the commit.
                collecting = receipts != null && receipts.collects(transactionId);
                if (collecting) {
                    request.getHeaders().set(BranchReceipt.REQUEST_HEADER, BranchReceipt.COLLECT);
                }
            } else {
                log.debug("Not sending transaction {} to {}: the host is not in verdict.propagate-to", transactionId,
                        request.getURI().getHost());
            }
        }
        ClientHttpResponse response = execution.execute(request, body);
        if (collecting) {
            List<String> received = response.getHeaders().getValuesAsList(BranchReceipt.HEADER);
            if (!received.isEmpty()) {
                receipts.add(transactionId, received);
            }
        }
        return response;
    }

    /** Whether the URL's host (with its port, or any port) is one of {@code verdict.propagate-to}. */
    boolean takesPart(URI uri) {
        if (uri.getHost() == null) {
            return false;
        }
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
        for (String allowed : hosts) {
            int colon = allowed.lastIndexOf(':');
            boolean withPort = colon > 0 && allowed.substring(colon + 1).matches("[0-9]+") && !allowed.endsWith("]");
            String allowedHost = withPort ? allowed.substring(0, colon) : allowed;
            boolean hostMatches = allowedHost.startsWith("*.") ? host.endsWith(allowedHost.substring(1)) : host.equals(allowedHost);
            if (hostMatches && (!withPort || Integer.parseInt(allowed.substring(colon + 1)) == port)) {
                return true;
            }
        }
        return false;
    }
}
