package io.snapferry.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads a snapferry stream and is itself an {@link InputStream} of its verified plaintext payload.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Verification first.</b> {@link #open} reads and checks the header before returning.
 *       Each frame is checked completely (CRC-32C, AES-GCM, bounded decompression, SHA-256)
 *       before any of its bytes is handed out, so a caller never sees unverified plaintext.</li>
 *   <li><b>End.</b> {@code read} returns -1 only after the trailer has been checked against the
 *       frames (count, bytes, stream digest) and, when {@link StreamLimits#requireEndOfInput()} is
 *       set, the input has ended. A stream without a valid trailer throws at its end; it never
 *       looks complete.</li>
 *   <li><b>Errors.</b> Every problem with the stream is a {@link StreamCorruptException} with a
 *       code; other {@link IOException}s come from the input itself. After a failure every further
 *       read throws the same exception.</li>
 *   <li><b>Closing.</b> {@link #close()} closes the wire input; when {@link #open} throws, the
 *       input stays the caller's to close. Not thread-safe.</li>
 * </ul>
 * <h2>Frames sent again</h2>
 * Opened with a {@link FrameResendChannel}, a frame that fails a check confined to it (see
 * {@link StreamCorruptException.Code#frameLocal()}) is asked for again through the channel instead
 * of failing the stream; the frames and the trailer in flight behind it are skipped until it comes
 * again. The same frame arriving bad {@link #MAX_COPIES} times fails the stream with the last
 * problem's code and a message that names the frame, the snapshot and what to check. There is no
 * other bound: every frame may be sent up to {@link #MAX_COPIES} times. Without a channel the
 * first bad frame fails the stream.
 */
public final class StreamReader extends InputStream {
    /** How many bad copies of one frame a reader with a channel takes before it gives up. */
    public static final int MAX_COPIES = 3;

    private final FrameDecoder decoder;
    private final FrameResendChannel channel;
    private long badSeq = -1;
    private int badCopies;
    private long resentFrames;
    private byte[] frame;
    private int pos;
    private int limit;
    private boolean ended;
    private IOException failure;
    private boolean closed;

    private StreamReader(FrameDecoder decoder, FrameResendChannel channel) {
        this.decoder = decoder;
        this.channel = channel;
    }

    /**
     * Reads and checks the header of the stream on {@code wire}.
     *
     * @param key the key for an encrypted stream; must be empty for a plain one
     * @throws StreamCorruptException when the header is bad, too large for {@code limits}, or the
     *                                key does not fit (ENCRYPTION_MISMATCH, FINGERPRINT_MISMATCH)
     */
    public static StreamReader open(InputStream wire, Optional<StreamKey> key, StreamLimits limits) throws IOException {
        return open(wire, key, limits, FrameListener.NONE);
    }

    /** As {@link #open(InputStream, Optional, StreamLimits)}, telling {@code listener} about each verified frame. */
    public static StreamReader open(InputStream wire, Optional<StreamKey> key, StreamLimits limits,
                                    FrameListener listener) throws IOException {
        return new StreamReader(FrameDecoder.open(wire, key, limits, listener), null);
    }

    /** As {@link #open(InputStream, Optional, StreamLimits)}, choosing the key by the fingerprint the header names. */
    public static StreamReader open(InputStream wire, KeyResolver keys, StreamLimits limits) throws IOException {
        return new StreamReader(FrameDecoder.open(wire, keys, limits, FrameListener.NONE), null);
    }

    /**
     * As {@link #open(InputStream, KeyResolver, StreamLimits)}, asking {@code channel} for a bad
     * frame again (see the class comment). The channel is called on the reading thread.
     */
    public static StreamReader open(InputStream wire, KeyResolver keys, StreamLimits limits,
                                    FrameResendChannel channel) throws IOException {
        return new StreamReader(FrameDecoder.open(wire, keys, limits, FrameListener.NONE), Objects.requireNonNull(channel, "channel"));
    }

    /** How many times a frame was asked for again. */
    public long resentFrames() {
        return resentFrames;
    }

    public StreamHeader header() {
        return decoder.header();
    }

    public Framing framing() {
        return decoder.framing();
    }

    /** The summary once the payload has been read to its end. */
    public Optional<StreamSummary> summary() {
        return decoder.summary();
    }

    /** Plaintext bytes verified so far. */
    public long payloadBytes() {
        return decoder.payloadBytes();
    }

    /** Wire bytes read so far. */
    public long wireBytes() {
        return decoder.wireBytes();
    }

    /** Reads the rest of the payload into nothing, checking it, and returns the summary. */
    public StreamSummary verifyToEnd() throws IOException {
        while (fill()) {
            pos = limit;
        }
        return decoder.summary().orElseThrow();
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        return frame[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, limit - pos);
        System.arraycopy(frame, pos, b, off, n);
        pos += n;
        return n;
    }

    /**
     * Writes the rest of the verified payload to {@code out} a frame at a time, straight from the
     * frame buffer (one copy fewer than {@code read}). Returns the bytes written; {@code out} is
     * neither flushed nor closed.
     */
    @Override
    public long transferTo(OutputStream out) throws IOException {
        Objects.requireNonNull(out, "out");
        long n = 0;
        while (fill()) {
            int len = limit - pos;
            out.write(frame, pos, len);
            pos = limit;
            n += len;
        }
        return n;
    }

    @Override
    public int available() {
        return limit - pos;
    }

    @Override
    public long skip(long n) throws IOException {
        long done = 0;
        while (done < n && fill()) {
            int k = (int) Math.min(n - done, limit - pos);
            pos += k;
            done += k;
        }
        return done;
    }

    /** True when there are bytes to hand out; false at the verified end. */
    private boolean fill() throws IOException {
        if (closed) {
            throw new IOException("the stream reader is closed");
        }
        if (failure != null) {
            throw failure;
        }
        while (pos == limit) {
            if (ended) {
                return false;
            }
            try {
                Optional<Frame> next = decoder.next();
                if (next.isEmpty()) {
                    ended = true;
                    return false;
                }
                Frame f = next.get();
                if (channel != null && f.status() == Frame.Status.SKIPPED) {
                    continue;
                }
                if (channel != null && f.status() == Frame.Status.BAD) {
                    askAgain(f);
                    continue;
                }
                if (f.status() != Frame.Status.OK) {
                    throw f.problem().orElseGet(() -> new StreamCorruptException(StreamCorruptException.Code.OUT_OF_ORDER,
                            f.seq(), "frame " + f.seq() + " arrived out of order"));
                }
                frame = f.buffer();
                pos = 0;
                limit = f.length();
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }
        return true;
    }

    /** Asks for a bad frame again, or gives up on its {@link #MAX_COPIES}th bad copy. */
    private void askAgain(Frame f) throws IOException {
        StreamCorruptException problem = f.problem().orElseThrow();
        if (f.seq() == badSeq) {
            badCopies++;
        } else {
            badSeq = f.seq();
            badCopies = 1;
        }
        if (badCopies >= MAX_COPIES) {
            StreamHeader h = decoder.header();
            throw new StreamCorruptException(problem.code(), f.seq(), "frame " + f.seq() + " of " + h.dataset() + "@"
                    + h.to().name() + " failed verification " + badCopies + " times (last: " + problem.getMessage()
                    + "); something between the boxes damages data: check the link, memory and disks", problem);
        }
        try {
            channel.requestFrom(f.seq());
        } catch (IOException e) {
            throw new StreamCorruptException(problem.code(), f.seq(), "frame " + f.seq()
                    + " failed verification and cannot be sent again (" + e.getMessage() + "); its problem: "
                    + problem.getMessage(), e);
        }
        resentFrames++;
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            decoder.close();
        }
    }
}
