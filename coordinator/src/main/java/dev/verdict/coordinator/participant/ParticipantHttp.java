package dev.verdict.coordinator.participant;

import java.time.Duration;

import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SchemePortResolver;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.DefaultHttpClientConnectionOperator;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.io.HttpClientConnectionOperator;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.URIScheme;
import org.apache.hc.core5.http.config.RegistryBuilder;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The HTTP client of participant calls (Apache HttpClient, classic): HTTP/1.1 on pooled, kept-alive
 * connections, the I/O done on the calling thread, no automatic retries (phase 2 retries on its own
 * terms, prepare never), no redirects followed, and sockets that acknowledge at once
 * ({@link QuickAckSocket}).
 */
final class ParticipantHttp {

    private ParticipantHttp() {
    }

    static CloseableHttpClient client(Duration connectTimeout, int maxConnectionsPerParticipant, boolean reuseConnections) {
        PoolingHttpClientConnectionManager connections = new QuickAckConnections()
                .setMaxConnTotal(maxConnectionsPerParticipant * 8)
                .setMaxConnPerRoute(maxConnectionsPerParticipant)
                .setDefaultSocketConfig(SocketConfig.custom().setTcpNoDelay(true).build())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(connectTimeout))
                        .setValidateAfterInactivity(TimeValue.ofSeconds(2))
                        .build())
                .build();
        HttpClientBuilder client = HttpClients.custom()
                .setConnectionManager(connections)
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableCookieManagement()
                .evictIdleConnections(TimeValue.ofSeconds(30));
        if (!reuseConnections) {
            // Only to turn reuse off: the default strategy must stay, as it honours a server's "Connection: close"
            // (Tomcat sends it on every 100th request of a connection); reusing such a connection fails the next call.
            client.setConnectionReuseStrategy((request, response, context) -> false);
        }
        return client.build();
    }

    /**
     * Resolves names as usual but never to a link-local or metadata address: a participant's host name that
     * resolves to one at call time (DNS rebinding) is not called.
     */
    private record NoForbiddenAddresses(DnsResolver delegate) implements DnsResolver {

        @Override
        public java.net.InetAddress[] resolve(String host) throws java.net.UnknownHostException {
            java.net.InetAddress[] addresses = delegate.resolve(host);
            for (java.net.InetAddress address : addresses) {
                if (ParticipantUrls.isForbidden(address)) {
                    throw new java.net.UnknownHostException(host + " resolves to " + address.getHostAddress()
                            + ", a link-local or metadata address the coordinator never calls");
                }
            }
            return addresses;
        }

        @Override
        public String resolveCanonicalHostname(String host) throws java.net.UnknownHostException {
            return delegate.resolveCanonicalHostname(host);
        }
    }

    /** A connection manager whose plain sockets are {@link QuickAckSocket}s. */
    private static final class QuickAckConnections extends PoolingHttpClientConnectionManagerBuilder {

        @Override
        protected HttpClientConnectionOperator createConnectionOperator(SchemePortResolver schemePortResolver,
                DnsResolver dnsResolver, TlsSocketStrategy tlsSocketStrategy) {
            RegistryBuilder<TlsSocketStrategy> tls = RegistryBuilder.create();
            if (tlsSocketStrategy != null) {
                tls.register(URIScheme.HTTPS.id, tlsSocketStrategy);
            }
            return new DefaultHttpClientConnectionOperator(proxy -> proxy == null ? new QuickAckSocket() : new java.net.Socket(proxy),
                    schemePortResolver, new NoForbiddenAddresses(dnsResolver == null ? org.apache.hc.client5.http.SystemDefaultDnsResolver.INSTANCE : dnsResolver), tls.build());
        }
    }
}
