package io.snapferry.ssh.endpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.snapferry.dataset.DatasetException;
import java.io.IOException;
import java.io.InputStream;

/**
 * The stream carried inline by data frames: reads {@link Frames#DATA} payloads until
 * {@link Frames#END} (end of stream) or {@link Frames#ABORT} (the producer failed: {@code read}
 * throws the {@link DatasetException} it carried). Any other frame is a {@link ProtocolException}.
 * After the end, abort or a protocol error every read repeats the outcome. Not thread-safe.
 *
 * <p>With a writer (protocol 4, a sender that can send frames again), {@link #requestResend} asks
 * the sender for a frame of the stream format again with a {@link Frames#RESEND} frame. The
 * sender answers each request with a RESEND frame of its own, in order; until it has answered
 * them all, an END is one that was in flight before the request and is skipped, as are the bytes
 * (the stream format's reader skips the frames in flight).
 */
final class DataFrameInput extends InputStream {
    private final Frames.Reader reader;
    private final Frames.Writer resend;
    private final java.util.ArrayDeque<Long> unanswered = new java.util.ArrayDeque<>();
    private byte[] chunk;
    private int pos;
    private boolean ended;
    private RuntimeException aborted;
    private IOException broken;
    private long bytes;

    DataFrameInput(Frames.Reader reader) {
        this(reader, null);
    }

    /** @param resend where to ask for frames again; null when the sender cannot send them again */
    DataFrameInput(Frames.Reader reader, Frames.Writer resend) {
        this.reader = reader;
        this.resend = resend;
    }

    /** Asks the sender for frame {@code seq} of the stream format, and everything after it, again. */
    void requestResend(long seq) throws IOException {
        if (resend == null) {
            throw new IOException("the sender cannot send frames again");
        }
        if (finished()) {
            throw new IOException("cannot ask for frame " + seq + " again: the stream has ended");
        }
        resend.resend(seq);
        resend.flush();
        unanswered.add(seq);
    }

    /** True once END, ABORT or a protocol error was read: the frames of this stream are used up. */
    boolean finished() {
        return ended || aborted != null || broken != null;
    }

    long bytes() {
        return bytes;
    }

    private boolean fill() throws IOException {
        while (chunk == null || pos == chunk.length) {
            if (ended) {
                return false;
            }
            if (aborted != null) {
                throw aborted;
            }
            if (broken != null) {
                throw broken;
            }
            Frames.Frame f;
            try {
                f = reader.next();
            } catch (IOException e) {
                broken = e;
                throw e;
            }
            if (f == null) {
                broken = new ProtocolException("connection ended inside a stream (no end marker)");
                throw broken;
            }
            switch (f.type()) {
                case Frames.DATA -> {
                    chunk = f.payload();
                    pos = 0;
                }
                case Frames.RESEND -> {
                    long seq = Frames.resendSeq(f);
                    if (unanswered.isEmpty() || unanswered.peek() != seq) {
                        broken = new ProtocolException("the sender answered a resend of frame " + seq
                                + (unanswered.isEmpty() ? ", which was not asked for" : "; frame " + unanswered.peek() + " was asked for"));
                        throw broken;
                    }
                    unanswered.remove();
                }
                case Frames.END -> {
                    if (!unanswered.isEmpty()) {
                        continue; // sent before the sender saw the request: more follows
                    }
                    ended = true;
                    chunk = null;
                    return false;
                }
                case Frames.ABORT -> {
                    ObjectNode m = Messages.parse(f.payload());
                    aborted = Messages.remoteError(m);
                    throw aborted;
                }
                default -> {
                    broken = new ProtocolException("expected stream data, got a " + f.typeName() + " frame");
                    throw broken;
                }
            }
        }
        return true;
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        bytes++;
        return chunk[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, chunk.length - pos);
        System.arraycopy(chunk, pos, b, off, n);
        pos += n;
        bytes += n;
        return n;
    }

    @Override
    public int available() {
        return chunk == null ? 0 : chunk.length - pos;
    }

    /** Reads and discards the rest of the stream, up to END or ABORT. */
    void drain() throws IOException {
        byte[] skip = new byte[8192];
        try {
            while (read(skip, 0, skip.length) >= 0) {
                chunk = null;
            }
        } catch (DatasetException e) {
            // the producer aborted: the stream is over
        }
    }
}
