package dev.verdict.coordinator.participant;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;

import jdk.net.ExtendedSocketOptions;

/**
 * A client socket that acknowledges what it receives at once ({@code TCP_QUICKACK}, Linux), re-armed
 * before every read because the kernel drops it again as the connection goes back and forth.
 *
 * <p>Why: many small HTTP servers write the status line and the body of an answer in two packets without
 * {@code TCP_NODELAY}. Their kernel then holds the body until the first packet is acknowledged, and a
 * client on a kept-alive connection delays that acknowledgement by up to 40 ms: every prepare and every
 * commit would wait for it. Where the option does not exist, the socket behaves as any other.
 */
final class QuickAckSocket extends Socket {

    private static final boolean SUPPORTED = new Socket().supportedOptions().contains(ExtendedSocketOptions.TCP_QUICKACK);

    private volatile InputStream in;

    @Override
    public InputStream getInputStream() throws IOException {
        InputStream wrapped = in;
        if (wrapped == null) {
            wrapped = SUPPORTED ? new QuickAckInputStream(super.getInputStream()) : super.getInputStream();
            in = wrapped;
        }
        return wrapped;
    }

    private final class QuickAckInputStream extends FilterInputStream {

        QuickAckInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            acknowledgeAtOnce();
            return super.read();
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            acknowledgeAtOnce();
            return super.read(buffer, offset, length);
        }

        private void acknowledgeAtOnce() throws IOException {
            if (!isClosed()) {
                setOption(ExtendedSocketOptions.TCP_QUICKACK, true);
            }
        }
    }
}
