package dev.verdict.coordinator.participant;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

import dev.verdict.coordinator.security.SecurityProperties;

/**
 * The participant URLs the coordinator may call, against server-side request forgery: a participant that
 * registers names the URL the coordinator will send its calls to, so it could otherwise make the
 * coordinator call anything it can reach. Only URLs that {@code verdict.security.allowed-participant-urls}
 * allows are accepted, and link-local and cloud metadata addresses never are, whatever a name resolves to
 * when the call is made (see {@link #isForbidden(InetAddress)}).
 */
@Component
public class ParticipantUrls {

    private static final List<String> METADATA_HOSTS = List.of("metadata.google.internal", "metadata", "instance-data");

    private final List<Allowed> allowed;

    ParticipantUrls(SecurityProperties properties) {
        this.allowed = properties.allowedParticipantUrls().stream().map(Allowed::parse).toList();
    }

    /** Why this URL may not be a participant's, or null if it may. */
    public @Nullable String refusal(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return "it is not a URL";
        }
        String host = uri.getHost();
        if (uri.getScheme() == null || host == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
            return "it is not an absolute http(s) URL";
        }
        if (uri.getUserInfo() != null || uri.getQuery() != null || uri.getFragment() != null) {
            return "it carries user information, a query or a fragment";
        }
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (METADATA_HOSTS.contains(bare.toLowerCase(Locale.ROOT)) || literalForbidden(bare)) {
            return "it points at a link-local or cloud metadata address, which a participant never has";
        }
        if (allowed.stream().noneMatch(rule -> rule.matches(uri))) {
            return "it is not among verdict.security.allowed-participant-urls";
        }
        return null;
    }

    /** Throws if the URL may not be called; for the calls themselves, in case the configuration changed. */
    void requireAllowed(URI uri) {
        String refusal = refusal(uri.toString());
        if (refusal != null) {
            throw new IllegalStateException("the coordinator does not call " + uri + ": " + refusal);
        }
    }

    /** Link-local (169.254.0.0/16, fe80::/10, which hold the cloud metadata services) and the Alibaba metadata address. */
    static boolean isForbidden(InetAddress address) {
        return address.isLinkLocalAddress() || address.getHostAddress().equals("100.100.100.200")
                || address.getHostAddress().startsWith("fd00:ec2:");
    }

    private static boolean literalForbidden(String host) {
        if (!host.matches("[0-9.]+|[0-9a-fA-F:.]+")) {
            return false;
        }
        try {
            return isForbidden(InetAddress.getByName(host));
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * One entry of the allow list: a URL prefix ({@code https://bank-a.internal:8443/verdict}: same scheme and
     * host, the port if given, the path as a prefix) or a host pattern ({@code bank-a.internal},
     * {@code *.internal}, {@code 10.0.0.7}: any scheme, port and path).
     */
    private record Allowed(@Nullable String scheme, String host, int port, String path) {

        static Allowed parse(String rule) {
            if (rule.contains("://")) {
                URI uri = URI.create(rule);
                return new Allowed(uri.getScheme(), uri.getHost().toLowerCase(Locale.ROOT), uri.getPort(),
                        uri.getRawPath() == null ? "" : uri.getRawPath());
            }
            return new Allowed(null, rule.toLowerCase(Locale.ROOT), -1, "");
        }

        boolean matches(URI uri) {
            String host = uri.getHost().toLowerCase(Locale.ROOT);
            boolean hostMatches = this.host.startsWith("*.") ? host.endsWith(this.host.substring(1)) : host.equals(this.host);
            return hostMatches
                    && (scheme == null || scheme.equals(uri.getScheme()))
                    && (port == -1 || port == effectivePort(uri))
                    && (uri.getRawPath() == null ? path.isEmpty() : uri.getRawPath().startsWith(path));
        }

        private static int effectivePort(URI uri) {
            return uri.getPort() != -1 ? uri.getPort() : uri.getScheme().equals("https") ? 443 : 80;
        }
    }
}
