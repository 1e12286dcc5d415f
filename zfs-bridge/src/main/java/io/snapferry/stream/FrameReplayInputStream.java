package io.snapferry.stream;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The sending side of frame retransmission: passes a framed stream's bytes through unchanged,
 * noting where each frame starts, and keeps the original bytes of the most recent frames so that
 * {@link #requestFrom} can send a frame and everything after it again.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Bytes.</b> Without a request the output is the source's bytes, exactly. After
 *       {@code requestFrom(n)}, once the frame being delivered is complete (the output never
 *       breaks inside a record), the next reads deliver the original bytes of frame {@code n}, the
 *       frames after it and the trailer, then go on with the source. Original bytes only: a frame
 *       is never encoded again (re-encrypting under the same sequence number would reuse a GCM
 *       nonce).</li>
 *   <li><b>Window.</b> The frames whose bytes sum to at most the window (and always the last whole
 *       frame) are kept. A request for a frame no longer kept, or never sent, throws an
 *       {@link IOException} saying so; the receiver then fails and the whole stream has to be sent
 *       again. Memory grows with what passed, up to the window and one frame.</li>
 *   <li><b>Source.</b> The header and the records are parsed as they pass, with the format's own
 *       reader; a source that is not a snapferry stream fails the first read. A source that ends
 *       inside a record is passed on as it is: the receiver sees the truncation.</li>
 *   <li><b>Threads.</b> One thread reads; {@link #requestFrom} may be called from any thread, also
 *       while a read blocks on the source. {@link #close()} closes the source.</li>
 * </ul>
 */
public final class FrameReplayInputStream extends InputStream implements FrameResendChannel {
    /** 32 MiB: several SSH windows of frames in flight. */
    public static final long DEFAULT_WINDOW = 32L << 20;
    private static final long TRAILER = -1;

    private final InputStream source;
    private final long window;
    private final List<Record> kept = new ArrayList<>(); // guarded by this
    private long keptBytes; // guarded by this
    private long pending = -1; // guarded by this
    private long lastSeq = -1; // guarded by this: the highest frame read from the source
    private int replayNext = -1; // guarded by this: index in kept of the next record to replay
    private long resends; // guarded by this
    private boolean sourceEnded; // guarded by this
    private volatile boolean closed;
    private byte[] header;
    private Record current;
    private int pos;
    private byte[] spare;

    /** One record as it was on the wire: a frame ({@code seq} at least 0) or the trailer. */
    private record Record(long seq, byte[] bytes, int length) {
    }

    /** Keeps the last {@link #DEFAULT_WINDOW} bytes of frames. */
    public FrameReplayInputStream(InputStream source) {
        this(source, DEFAULT_WINDOW);
    }

    /** @param window how many bytes of recent frames to keep (the last whole frame is always kept) */
    public FrameReplayInputStream(InputStream source, long window) {
        this.source = Objects.requireNonNull(source, "source");
        if (window < 0) {
            throw new IllegalArgumentException("window " + window + " is negative");
        }
        this.window = window;
    }

    /** How many requests were carried out (each sent at least one frame again). */
    public synchronized long resends() {
        return resends;
    }

    @Override
    public void requestFrom(long seq) throws IOException {
        synchronized (this) {
            if (closed) {
                throw new IOException("cannot send frame " + seq + " again: the stream is closed");
            }
            if (seq < 0 || seq > lastSeq) {
                throw new IOException("cannot send frame " + seq + " again: it was never sent (the last frame sent is "
                        + lastSeq + ")");
            }
            if (indexOf(seq) < 0) {
                throw new IOException("cannot send frame " + seq + " again: only the last " + window
                        + " bytes of frames are kept (frames " + firstKept() + " to " + lastSeq
                        + "); the whole stream has to be sent again");
            }
            pending = pending < 0 ? seq : Math.min(pending, seq);
        }
    }

    private long firstKept() {
        return kept.isEmpty() ? -1 : kept.get(0).seq();
    }

    /** The index of frame {@code seq} in {@link #kept}, or -1. Frames are kept in order without gaps. */
    private int indexOf(long seq) {
        if (kept.isEmpty() || kept.get(0).seq() == TRAILER) {
            return -1;
        }
        long i = seq - kept.get(0).seq();
        return i >= 0 && i < kept.size() && kept.get((int) i).seq() == seq ? (int) i : -1;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("the stream is closed");
        }
        if (len == 0) {
            return 0;
        }
        if (header == null) {
            header = WireHeader.read(new WireInput(source), StreamLimits.defaults().withRequireEndOfInput(false)).bytes();
            current = new Record(TRAILER - 1, header, header.length);
            pos = 0;
        }
        while (pos == current.length()) {
            Record next = nextRecord();
            if (next == null) {
                return -1;
            }
            current = next;
            pos = 0;
        }
        int n = Math.min(len, current.length() - pos);
        System.arraycopy(current.bytes(), pos, b, off, n);
        pos += n;
        return n;
    }

    /** The record to deliver after the current one: replayed, or read from the source; null at the end. */
    private Record nextRecord() throws IOException {
        synchronized (this) {
            if (pending >= 0) {
                replayNext = indexOf(pending);
                pending = -1;
                resends++;
            }
            if (replayNext >= 0) {
                if (replayNext < kept.size()) {
                    return kept.get(replayNext++);
                }
                replayNext = -1;
            }
            if (sourceEnded) {
                return null;
            }
        }
        Record r = readRecord();
        synchronized (this) {
            if (r == null) {
                sourceEnded = true;
                return null;
            }
            kept.add(r);
            keptBytes += r.length();
            if (r.seq() != TRAILER) {
                lastSeq = r.seq();
                evict();
            }
            return r;
        }
    }

    /** Drops the oldest frames beyond the window, never the last one nor one a pending request needs. */
    private void evict() {
        while (keptBytes > window && kept.size() > 1) {
            Record oldest = kept.get(0);
            if (pending >= 0 && oldest.seq() >= pending) {
                return;
            }
            kept.remove(0);
            keptBytes -= oldest.length();
            if (spare == null || oldest.bytes().length > spare.length) {
                spare = oldest.bytes();
            }
        }
    }

    /** The next record from the source, whole; a partial one when the source ends inside it; null at its end. */
    private Record readRecord() throws IOException {
        int type = source.read();
        if (type < 0) {
            return null;
        }
        if (type == Wire.TYPE_TRAILER) {
            byte[] t = new byte[1 + Wire.TRAILER_BODY];
            t[0] = (byte) type;
            return new Record(TRAILER, t, 1 + readUpTo(t, 1, Wire.TRAILER_BODY));
        }
        if (type != Wire.TYPE_FRAME) {
            throw new StreamCorruptException(StreamCorruptException.Code.BAD_MAGIC, "the stream to send has 0x"
                    + Integer.toHexString(type) + " where a frame or the trailer should start");
        }
        byte[] head = new byte[Wire.FRAME_HEAD];
        head[0] = (byte) type;
        int got = 1 + readUpTo(head, 1, Wire.FRAME_HEAD - 1);
        if (got < Wire.FRAME_HEAD) {
            return new Record(lastSeq + 1, head, got);
        }
        long seq = Wire.getLong(head, 2);
        long stored = Wire.getInt(head, 14) & 0xffffffffL;
        long total = Wire.FRAME_HEAD + stored + Wire.FRAME_TAIL;
        if (seq != lastSeq + 1 || total > Integer.MAX_VALUE - 64) {
            throw new StreamCorruptException(StreamCorruptException.Code.MALFORMED, seq,
                    "the stream to send has frame " + seq + " of " + stored + " stored bytes after frame " + lastSeq);
        }
        byte[] bytes = spare != null && spare.length >= total ? spare : new byte[(int) total];
        if (bytes == spare) {
            spare = null;
        }
        System.arraycopy(head, 0, bytes, 0, Wire.FRAME_HEAD);
        int n = Wire.FRAME_HEAD + readUpTo(bytes, Wire.FRAME_HEAD, (int) total - Wire.FRAME_HEAD);
        return new Record(seq, bytes, n);
    }

    private int readUpTo(byte[] b, int off, int len) throws IOException {
        int n = 0;
        while (n < len) {
            int r = source.read(b, off + n, len - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            closed = true;
            kept.clear();
        }
        source.close();
    }
}
