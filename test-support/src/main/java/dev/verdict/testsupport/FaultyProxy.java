package dev.verdict.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A TCP proxy on loopback that injects network faults between the coordinator and a participant: each
 * connection is passed through, dropped at once, delayed, or cut after the request went through but
 * before the answer came back (the participant acted; the coordinator never hears it). It also repeats
 * requests: a copy of a connection's first request sent at once beside the original (two arrive together),
 * or sent again seconds later (it arrives out of order, after what followed it). Faults are drawn from a
 * seeded {@link Random}, so a failing run can be repeated.
 */
public final class FaultyProxy implements AutoCloseable {

    public enum Fault {
        NONE, DROP, DELAY, CUT_ANSWER, DUPLICATE, REPLAY_LATER
    }

    private final ServerSocket server;
    private final int targetPort;
    private final Random random;
    private volatile double faultRate;
    private final AtomicInteger dropped = new AtomicInteger();
    private final AtomicInteger delayed = new AtomicInteger();
    private final AtomicInteger cut = new AtomicInteger();
    private final AtomicInteger passed = new AtomicInteger();
    private final AtomicInteger duplicated = new AtomicInteger();
    private final AtomicInteger replayed = new AtomicInteger();
    /** How the target answered the copies, by status code: proof that they reached it. */
    private final Map<String, AtomicInteger> copyAnswers = new ConcurrentSkipListMap<>();
    private volatile UnaryOperator<byte[]> copies = UnaryOperator.identity();
    /** The request line {@link #counting} counts, or null. */
    private volatile byte[] counted;
    private final AtomicInteger countedSeen = new AtomicInteger();

    public FaultyProxy(int targetPort, long seed) {
        this.targetPort = targetPort;
        this.random = new Random(seed);
        try {
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofVirtual().name("faulty-proxy-" + port()).start(this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The share of connections, from 0 to 1, that get a fault. */
    public FaultyProxy faultRate(double rate) {
        this.faultRate = rate;
        return this;
    }

    /**
     * How a repeated request is sent: as captured (the default), or rewritten, as its sender would when it
     * repeats a call itself (say, signed again with a fresh nonce).
     */
    public FaultyProxy copiesAs(UnaryOperator<byte[]> rewrite) {
        this.copies = rewrite;
        return this;
    }

    /**
     * Counts the requests whose request line starts with {@code requestLine} (such as {@code "POST /api/v1/x "})
     * on their way through, on every connection and not only its first request: proof that a kind of call
     * went through the faults. A request line split across two reads is missed, so the count is a lower bound.
     */
    public FaultyProxy counting(String requestLine) {
        this.counted = requestLine.getBytes(StandardCharsets.ISO_8859_1);
        return this;
    }

    /** How many requests {@link #counting} has seen. */
    public int countedRequests() {
        return countedSeen.get();
    }

    public String summary() {
        return "passed " + passed + ", dropped " + dropped + ", delayed " + delayed + ", answers cut " + cut
                + ", duplicated " + duplicated + ", replayed later " + replayed + " (copies answered " + copyAnswers + ")";
    }

    public int faults() {
        return dropped.get() + delayed.get() + cut.get() + duplicated.get() + replayed.get();
    }

    /** Requests repeated beside their original or later, that the target answered (with any status). */
    public int copiesAnswered() {
        return copyAnswers.entrySet().stream().filter(answer -> !answer.getKey().equals("none"))
                .mapToInt(answer -> answer.getValue().get()).sum();
    }

    private int millisBetween(int least, int most) {
        synchronized (random) {
            return least + random.nextInt(most - least);
        }
    }

    private Fault nextFault() {
        synchronized (random) {
            if (random.nextDouble() >= faultRate) {
                return Fault.NONE;
            }
            return Fault.values()[1 + random.nextInt(Fault.values().length - 1)];
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread.ofVirtual().start(() -> relay(client, nextFault()));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void relay(Socket client, Fault fault) {
        try (client; Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
            switch (fault) {
                case DROP -> {
                    dropped.incrementAndGet();
                    return;
                }
                case DELAY -> {
                    delayed.incrementAndGet();
                    // the fault itself: the network holds the request for a while
                    Thread.sleep(millisBetween(200, 1700));
                }
                case CUT_ANSWER -> cut.incrementAndGet();
                case DUPLICATE -> duplicated.incrementAndGet();
                case REPLAY_LATER -> replayed.incrementAndGet();
                case NONE -> passed.incrementAndGet();
            }
            Consumer<byte[]> onFirstRequest = switch (fault) {
                case DUPLICATE -> request -> Thread.ofVirtual().start(() -> sendCopy(request));
                case REPLAY_LATER -> request -> Thread.ofVirtual().start(() -> {
                    try {
                        // the fault itself: the network delivers this copy again, long after the original
                        Thread.sleep(millisBetween(500, 5000));
                        sendCopy(request);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                default -> null;
            };
            Thread upstream = Thread.ofVirtual().start(() -> pump(client, target, false, onFirstRequest, counted));
            pump(target, client, fault == Fault.CUT_ANSWER, null, null);
            upstream.join();
        } catch (IOException | InterruptedException ignored) {
            // a broken connection is one of the faults this proxy is for
        }
    }

    /**
     * Copies bytes until the source ends; with {@code discard}, swallows them and ends the connection. With
     * {@code onFirstRequest}, hands it the first HTTP request once it has passed in full; with {@code count}, counts
     * the requests that start with those bytes (null: none).
     */
    private void pump(Socket from, Socket to, boolean discard, Consumer<byte[]> onFirstRequest, byte[] count) {
        ByteArrayOutputStream captured = onFirstRequest == null ? null : new ByteArrayOutputStream();
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] buffer = new byte[8192];
            int read;
            while ((read = in.read(buffer)) >= 0) {
                if (discard) {
                    to.close();
                    return;
                }
                out.write(buffer, 0, read);
                out.flush();
                if (count != null) {
                    countedSeen.addAndGet(occurrences(buffer, read, count));
                }
                if (captured != null) {
                    captured.write(buffer, 0, read);
                    byte[] sofar = captured.toByteArray();
                    int length = requestLength(sofar);
                    if (length == UNREADABLE || sofar.length > 1 << 20) {
                        captured = null;
                    } else if (length > 0 && sofar.length >= length) {
                        onFirstRequest.accept(Arrays.copyOf(sofar, length));
                        captured = null;
                    }
                }
            }
            to.shutdownOutput();
        } catch (IOException ignored) {
            // either side went away: the relay ends
        }
    }

    private static int occurrences(byte[] buffer, int length, byte[] wanted) {
        int found = 0;
        for (int i = 0; i + wanted.length <= length; i++) {
            if (Arrays.equals(buffer, i, i + wanted.length, wanted, 0, wanted.length)) {
                found++;
            }
        }
        return found;
    }

    private static final int UNREADABLE = -2;

    /**
     * The length of the HTTP request at the start of {@code bytes} once its head has arrived (head plus
     * {@code Content-Length}), 0 before that, or {@link #UNREADABLE} for a chunked body.
     */
    static int requestLength(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int headEnd = text.indexOf("\r\n\r\n");
        if (headEnd < 0) {
            return 0;
        }
        int contentLength = 0;
        for (String line : text.substring(0, headEnd).split("\r\n")) {
            String lower = line.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                return UNREADABLE;
            }
            if (lower.startsWith("content-length:")) {
                contentLength = Integer.parseInt(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return headEnd + 4 + contentLength;
    }

    /** Sends a copy of a request straight to the target and notes the status it answered, if any. */
    private void sendCopy(byte[] request) {
        String status = "none";
        try (Socket copy = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
            copy.setSoTimeout(30_000);
            copy.getOutputStream().write(copies.apply(request));
            copy.getOutputStream().flush();
            // "HTTP/1.1 200 ..." is all this needs: the effect of the copy is what the test checks
            byte[] statusLine = copy.getInputStream().readNBytes(12);
            if (statusLine.length == 12) {
                status = new String(statusLine, 9, 3, StandardCharsets.ISO_8859_1);
            }
        } catch (IOException | RuntimeException ignored) {
            // the target may be down or restarting: a copy is lost like any other packet
        }
        copyAnswers.computeIfAbsent(status, key -> new AtomicInteger()).incrementAndGet();
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
