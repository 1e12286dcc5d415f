package io.snapferry.ssh.endpoint;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The framing of the endpoint protocol. Every frame is a big-endian {@code u32} length {@code L}
 * (of what follows), a type byte, and {@code L - 1} payload bytes:
 * <ul>
 *   <li>{@link #MESSAGE} (1): a UTF-8 JSON object, at most {@link #MAX_MESSAGE} bytes;</li>
 *   <li>{@link #DATA} (2): 1 to {@link #MAX_DATA} opaque bytes of a stream;</li>
 *   <li>{@link #END} (3): empty; the stream ended normally;</li>
 *   <li>{@link #ABORT} (4): a JSON object {@code {"code":..,"message":..}}: the stream's producer
 *       failed and what came before must be discarded;</li>
 *   <li>{@link #RESEND} (5, protocol 4): a {@code u64} frame sequence number. From the receiver of a
 *       stream: send that frame of the stream format, and everything after it, again; from the
 *       sender: the answer, "what follows the record in progress is that frame again".</li>
 * </ul>
 * Not thread-safe: one reader and one writer per connection.
 */
public final class Frames {
    public static final int MESSAGE = 1;
    public static final int DATA = 2;
    public static final int END = 3;
    public static final int ABORT = 4;
    public static final int RESEND = 5;
    /** The payload of a {@link #RESEND} frame: a u64 sequence number. */
    public static final int RESEND_PAYLOAD = 8;
    /** The largest control message (JSON) payload. */
    public static final int MAX_MESSAGE = 1 << 20;
    /** The largest data chunk payload. */
    public static final int MAX_DATA = 1 << 20;
    /** The chunk size writers use. */
    public static final int CHUNK = 256 * 1024;

    private Frames() {
    }

    /** A frame as read: its type and payload. */
    public record Frame(int type, byte[] payload) {
        public String typeName() {
            return Frames.typeName(type);
        }
    }

    static String typeName(int type) {
        return switch (type) {
            case MESSAGE -> "message";
            case DATA -> "data";
            case END -> "end";
            case ABORT -> "abort";
            case RESEND -> "resend";
            default -> "unknown(" + type + ")";
        };
    }

    /** The sequence number a {@link #RESEND} frame carries; a protocol error when it is negative. */
    public static long resendSeq(Frame f) throws ProtocolException {
        long v = 0;
        for (byte b : f.payload()) {
            v = (v << 8) | (b & 0xff);
        }
        if (v < 0) {
            throw new ProtocolException("resend frame names frame " + Long.toUnsignedString(v) + ", beyond any stream");
        }
        return v;
    }

    /** Reads frames, validating length and type before allocating anything. */
    public static final class Reader {
        private final InputStream in;
        private final byte[] header = new byte[5];

        public Reader(InputStream in) {
            this.in = in;
        }

        /** Bytes that can be read without blocking (a frame has begun to arrive when positive). */
        public int available() throws IOException {
            return in.available();
        }

        /**
         * The next frame, or null when the stream ends cleanly before a frame starts.
         *
         * @throws ProtocolException for a bad length or type, or a stream ending inside a frame
         */
        public Frame next() throws IOException {
            int first = in.read();
            if (first < 0) {
                return null;
            }
            header[0] = (byte) first;
            readFully(header, 1, 4);
            long length = ((header[0] & 0xffL) << 24) | ((header[1] & 0xff) << 16) | ((header[2] & 0xff) << 8) | (header[3] & 0xff);
            int type = header[4] & 0xff;
            if (length < 1) {
                throw new ProtocolException("frame length 0");
            }
            long payload = length - 1;
            switch (type) {
                case MESSAGE, ABORT -> {
                    if (payload > MAX_MESSAGE) {
                        throw new ProtocolException(typeName(type) + " frame of " + payload + " bytes exceeds the limit of " + MAX_MESSAGE);
                    }
                }
                case DATA -> {
                    if (payload < 1 || payload > MAX_DATA) {
                        throw new ProtocolException("data frame of " + payload + " bytes: must be 1 to " + MAX_DATA);
                    }
                }
                case END -> {
                    if (payload != 0) {
                        throw new ProtocolException("end frame with " + payload + " payload bytes");
                    }
                }
                case RESEND -> {
                    if (payload != RESEND_PAYLOAD) {
                        throw new ProtocolException("resend frame with " + payload + " payload bytes, not " + RESEND_PAYLOAD);
                    }
                }
                default -> throw new ProtocolException("unknown frame type " + type);
            }
            byte[] body = new byte[(int) payload];
            readFully(body, 0, body.length);
            return new Frame(type, body);
        }

        private void readFully(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = in.read(b, off, len);
                if (n < 0) {
                    throw new ProtocolException("connection ended inside a frame", new EOFException());
                }
                off += n;
                len -= n;
            }
        }
    }

    /** Writes frames. The caller flushes at the end of each exchange. */
    public static final class Writer {
        private final OutputStream out;
        private final byte[] header = new byte[5];

        public Writer(OutputStream out) {
            this.out = out;
        }

        public void message(byte[] json) throws IOException {
            if (json.length > MAX_MESSAGE) {
                throw new IllegalArgumentException("message of " + json.length + " bytes exceeds the limit of " + MAX_MESSAGE);
            }
            frame(MESSAGE, json, 0, json.length);
        }

        /** Writes {@code len} bytes as one or more data frames. */
        public void data(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = Math.min(len, MAX_DATA);
                frame(DATA, b, off, n);
                off += n;
                len -= n;
            }
        }

        public void end() throws IOException {
            frame(END, header, 0, 0);
        }

        /** Writes a {@link #RESEND} frame naming frame {@code seq} of the stream format. */
        public void resend(long seq) throws IOException {
            byte[] b = new byte[RESEND_PAYLOAD];
            for (int i = 7; i >= 0; i--) {
                b[i] = (byte) seq;
                seq >>>= 8;
            }
            frame(RESEND, b, 0, b.length);
        }

        public void abort(byte[] json) throws IOException {
            frame(ABORT, json, 0, Math.min(json.length, MAX_MESSAGE));
        }

        private void frame(int type, byte[] b, int off, int len) throws IOException {
            long length = len + 1L;
            header[0] = (byte) (length >>> 24);
            header[1] = (byte) (length >>> 16);
            header[2] = (byte) (length >>> 8);
            header[3] = (byte) length;
            header[4] = (byte) type;
            out.write(header, 0, 5);
            if (len > 0) {
                out.write(b, off, len);
            }
        }

        public void flush() throws IOException {
            out.flush();
        }
    }
}
