package dev.verdict.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on loopback that injects network faults between the coordinator and a participant: each
 * connection is passed through, dropped at once, delayed, or cut after the request went through but
 * before the answer came back (the participant acted; the coordinator never hears it). Faults are drawn
 * from a seeded {@link Random}, so a failing run can be repeated.
 */
public final class FaultyProxy implements AutoCloseable {

    public enum Fault {
        NONE, DROP, DELAY, CUT_ANSWER
    }

    private final ServerSocket server;
    private final int targetPort;
    private final Random random;
    private volatile double faultRate;
    private final AtomicInteger dropped = new AtomicInteger();
    private final AtomicInteger delayed = new AtomicInteger();
    private final AtomicInteger cut = new AtomicInteger();
    private final AtomicInteger passed = new AtomicInteger();

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

    public String summary() {
        return "passed " + passed + ", dropped " + dropped + ", delayed " + delayed + ", answers cut " + cut;
    }

    public int faults() {
        return dropped.get() + delayed.get() + cut.get();
    }

    private int nextDelayMillis() {
        synchronized (random) {
            return 200 + random.nextInt(1500);
        }
    }

    private Fault nextFault() {
        synchronized (random) {
            if (random.nextDouble() >= faultRate) {
                return Fault.NONE;
            }
            return Fault.values()[1 + random.nextInt(3)];
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
                    Thread.sleep(nextDelayMillis());
                }
                case CUT_ANSWER -> cut.incrementAndGet();
                case NONE -> passed.incrementAndGet();
            }
            Thread upstream = Thread.ofVirtual().start(() -> pump(client, target, false));
            pump(target, client, fault == Fault.CUT_ANSWER);
            upstream.join();
        } catch (IOException | InterruptedException ignored) {
            // a broken connection is one of the faults this proxy is for
        }
    }

    /** Copies bytes until the source ends; with {@code discard}, swallows them and ends the connection. */
    private static void pump(Socket from, Socket to, boolean discard) {
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
            }
            to.shutdownOutput();
        } catch (IOException ignored) {
            // either side went away: the relay ends
        }
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
