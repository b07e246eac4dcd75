package dev.verdict.testsupport;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A participant that answers the protocol at once and does nothing else, served the way many small HTTP
 * servers serve (Python's {@code http.server}, for one): HTTP/1.1 on kept-alive connections, with the
 * option of writing the status line and headers in one packet and the body in another, without
 * {@code TCP_NODELAY}. Such a server stalls a client that delays its acknowledgements: the body waits for
 * the acknowledgement of the headers. It measures what the coordinator itself costs, and whether it copes
 * with such servers.
 */
public final class PlainHttpParticipant implements AutoCloseable {

    private final ServerSocket server;
    private final boolean splitWrites;
    private final int requestsPerConnection;
    private final AtomicInteger calls = new AtomicInteger();

    /** {@code splitWrites}: headers and body in two writes, Nagle on; otherwise one write, TCP_NODELAY on. */
    public PlainHttpParticipant(boolean splitWrites) {
        this(splitWrites, Integer.MAX_VALUE);
    }

    /**
     * As {@link #PlainHttpParticipant(boolean)}, closing each connection after {@code requestsPerConnection}
     * requests with {@code Connection: close} on the last answer, as Tomcat does after 100.
     */
    public PlainHttpParticipant(boolean splitWrites, int requestsPerConnection) {
        this.splitWrites = splitWrites;
        this.requestsPerConnection = requestsPerConnection;
        try {
            server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofPlatform().daemon(true).name("plain-participant-" + server.getLocalPort()).start(this::accept);
    }

    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    public int calls() {
        return calls.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                client.setTcpNoDelay(!splitWrites);
                Thread.ofPlatform().daemon(true).start(() -> serve(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client; InputStream in = new BufferedInputStream(client.getInputStream()); OutputStream out = client.getOutputStream()) {
            for (int served = 1; ; served++) {
                String requestLine = line(in);
                if (requestLine == null) {
                    return;
                }
                int length = 0;
                for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
                    String lower = header.toLowerCase(Locale.ROOT);
                    if (lower.startsWith("content-length:")) {
                        length = Integer.parseInt(lower.substring("content-length:".length()).strip());
                    }
                }
                in.readNBytes(length);
                calls.incrementAndGet();
                byte[] body = (requestLine.contains("/prepare") ? "{\"vote\":\"PREPARED\"}" : "{}").getBytes(StandardCharsets.UTF_8);
                boolean last = served >= requestsPerConnection;
                byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                        + (last ? "\r\nConnection: close" : "") + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
                if (splitWrites) {
                    out.write(head);
                    out.flush();
                    out.write(body);
                    out.flush();
                } else {
                    byte[] whole = new byte[head.length + body.length];
                    System.arraycopy(head, 0, whole, 0, head.length);
                    System.arraycopy(body, 0, whole, head.length, body.length);
                    out.write(whole);
                    out.flush();
                }
                if (last) {
                    return;
                }
            }
        } catch (IOException connectionGone) {
            // the client closed its connection
        }
    }

    /** One CRLF-terminated line, or null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != -1; c = in.read()) {
            if (c == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            line.append((char) c);
        }
        return line.isEmpty() ? null : line.toString();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
