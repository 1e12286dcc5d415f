package io.snapferry.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Frames a payload into a snapferry stream (docs/stream-format.md). Write the payload to it like
 * to any {@link OutputStream}; it cuts frames of {@link StreamOptions#frameSize()} plaintext bytes,
 * digests, compresses and encrypts them, and writes them to the sink. {@link #finish()} writes the
 * last frame and the trailer.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Completion.</b> Only {@link #finish()} (or {@link #close()}, which calls it) writes the
 *       trailer, and a stream without a trailer is refused by every reader. When the producer of
 *       the payload fails, call {@link #abort()}: closing would make a partial payload look
 *       complete. After a failure of the writer itself (the sink threw), close() does not write a
 *       trailer either.</li>
 *   <li><b>Closing.</b> {@link #finish()} flushes the sink but leaves it open; {@link #close()}
 *       finishes and then closes the sink; {@link #abort()} closes the sink without a trailer.</li>
 *   <li><b>Flush.</b> {@link #flush()} cuts a (short) frame of what is buffered and flushes the
 *       sink, so a live stream can be pushed through promptly; it costs a frame header and a digest.</li>
 *   <li><b>Threads.</b> Not thread-safe: one producer thread. The {@link FrameListener} is called on
 *       that thread after each frame is written.</li>
 * </ul>
 */
public final class StreamWriter extends OutputStream {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final OutputStream sink;
    private final FrameCodec codec;
    private final StreamOptions options;
    private final byte[] buffer;
    private final byte[] head = new byte[Wire.FRAME_HEAD];
    private final byte[] tail = new byte[Wire.FRAME_TAIL];
    private final byte[] compressed;
    private final byte[] encrypted;
    private int buffered;
    private long seq;
    private long payloadBytes;
    private long wireBytes;
    private StreamSummary summary;
    private boolean failed;
    private boolean closed;

    private StreamWriter(OutputStream sink, FrameCodec codec, StreamOptions options) {
        this.sink = sink;
        this.codec = codec;
        this.options = options;
        int frame = options.frameSize();
        this.buffer = new byte[frame];
        int codecId = options.compression().wireId();
        this.compressed = codecId == 0 ? null : new byte[codec.maxStored(codecId, frame)];
        this.encrypted = options.key().isPresent() ? new byte[codec.maxStored(codecId, frame)] : null;
    }

    /**
     * The exact number of bytes a stream with {@code header} and {@code options} carrying
     * {@code payloadBytes} takes on the wire: header, one frame per {@code frameSize} bytes
     * (head, stored bytes, GCM tag when encrypted, tail), trailer. Empty with compression, whose
     * output size depends on the data.
     */
    public static java.util.OptionalLong wireSize(StreamHeader header, StreamOptions options, long payloadBytes) {
        if (options.compression() != Compression.NONE) {
            return java.util.OptionalLong.empty();
        }
        byte[] salt = null;
        byte[] fingerprint = null;
        Optional<String> fp = Optional.empty();
        if (options.key().isPresent()) {
            salt = new byte[Wire.SALT];
            fingerprint = options.key().get().fingerprintBytes();
            fp = Optional.of(options.key().get().fingerprint());
        }
        Framing framing = new Framing(options.compression(), options.encryption(), options.frameSize(), fp);
        long headerBytes = WireHeader.encode(header, framing, fingerprint, salt).bytes().length;
        long frames = (payloadBytes + options.frameSize() - 1) / options.frameSize();
        long perFrame = Wire.FRAME_HEAD + Wire.FRAME_TAIL + (options.key().isPresent() ? Wire.GCM_TAG : 0);
        return java.util.OptionalLong.of(headerBytes + frames * perFrame + payloadBytes + 1 + Wire.TRAILER_BODY);
    }

    /** Writes the header to {@code sink} and returns a writer for the payload. */
    public static StreamWriter open(OutputStream sink, StreamHeader header, StreamOptions options) throws IOException {
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(options, "options");
        byte[] salt = null;
        byte[] fingerprint = null;
        Optional<String> fp = Optional.empty();
        if (options.key().isPresent()) {
            salt = new byte[Wire.SALT];
            RANDOM.nextBytes(salt);
            fingerprint = options.key().get().fingerprintBytes();
            fp = Optional.of(options.key().get().fingerprint());
        }
        Framing framing = new Framing(options.compression(), options.encryption(), options.frameSize(), fp);
        WireHeader wire = WireHeader.encode(header, framing, fingerprint, salt);
        FrameCodec codec = new FrameCodec(wire, options.key().orElse(null), options.level());
        StreamWriter w = new StreamWriter(sink, codec, options);
        try {
            sink.write(wire.bytes());
        } catch (IOException | RuntimeException e) {
            codec.close();
            throw e;
        }
        w.wireBytes = wire.bytes().length;
        return w;
    }

    /**
     * Copies {@code payload} to its end into a stream on {@code sink}, reading straight into the
     * frame buffer, and finishes it. Neither stream is closed. When reading the payload fails, the
     * stream is left without a trailer (so no reader takes it for complete) and the exception is
     * rethrown.
     */
    public static StreamSummary pump(InputStream payload, OutputStream sink, StreamHeader header, StreamOptions options)
            throws IOException {
        Objects.requireNonNull(payload, "payload");
        StreamWriter w = open(sink, header, options);
        try {
            while (true) {
                int n = payload.read(w.buffer, w.buffered, w.buffer.length - w.buffered);
                if (n < 0) {
                    break;
                }
                w.buffered += n;
                if (w.buffered == w.buffer.length) {
                    w.emit(w.buffer, 0, w.buffered);
                    w.buffered = 0;
                }
            }
            return w.finish();
        } catch (IOException | RuntimeException | Error e) {
            w.failed = true;
            w.codec.close();
            throw e;
        }
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        buffer[buffered++] = (byte) b;
        if (buffered == buffer.length) {
            emitBuffer();
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        while (len > 0) {
            if (buffered == 0 && len >= buffer.length) {
                emit(b, off, buffer.length);
                off += buffer.length;
                len -= buffer.length;
                continue;
            }
            int n = Math.min(len, buffer.length - buffered);
            System.arraycopy(b, off, buffer, buffered, n);
            buffered += n;
            off += n;
            len -= n;
            if (buffered == buffer.length) {
                emitBuffer();
            }
        }
    }

    /** Cuts a frame of what is buffered (if anything) and flushes the sink. */
    @Override
    public void flush() throws IOException {
        ensureOpen();
        if (buffered > 0) {
            emitBuffer();
        }
        guarded(sink::flush);
    }

    /**
     * Writes the buffered bytes as a last frame, then the trailer, and flushes the sink (which
     * stays open). Idempotent: a second call returns the same summary.
     */
    public StreamSummary finish() throws IOException {
        if (summary != null) {
            return summary;
        }
        ensureOpen();
        if (buffered > 0) {
            emitBuffer();
        }
        byte[] t = new byte[1 + Wire.TRAILER_BODY];
        t[0] = (byte) Wire.TYPE_TRAILER;
        Wire.putLong(t, 1, seq);
        Wire.putLong(t, 9, payloadBytes);
        byte[] digest = codec.streamDigest();
        System.arraycopy(digest, 0, t, 17, Wire.DIGEST);
        CRC32C crc = codec.crc();
        crc.update(t, 0, 17 + Wire.DIGEST);
        Wire.putInt(t, 17 + Wire.DIGEST, (int) crc.getValue());
        System.arraycopy(Wire.END_MARKER, 0, t, t.length - 8, 8);
        guarded(() -> {
            sink.write(t);
            sink.flush();
        });
        wireBytes += t.length;
        codec.close();
        summary = new StreamSummary(seq, payloadBytes, wireBytes, HexFormat.of().formatHex(digest));
        return summary;
    }

    /** Finishes the stream (unless the writer failed or was aborted) and closes the sink. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            if (!failed && summary == null) {
                finish();
            }
        } finally {
            closed = true;
            codec.close();
            sink.close();
        }
    }

    /** Closes the sink without writing a trailer: the stream stays incomplete and no reader accepts it. */
    public void abort() throws IOException {
        failed = true;
        close();
    }

    /** Frames written so far. */
    public long frames() {
        return seq;
    }

    /** Plaintext bytes framed so far (not counting what is buffered). */
    public long payloadBytes() {
        return payloadBytes;
    }

    /** Bytes written to the sink so far. */
    public long wireBytes() {
        return wireBytes;
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("the stream writer is closed");
        }
        if (failed) {
            throw new IOException("the stream writer failed earlier; the stream is incomplete and must be sent again");
        }
        if (summary != null) {
            throw new IOException("the stream is finished; nothing more can be written");
        }
    }

    private void emitBuffer() throws IOException {
        emit(buffer, 0, buffered);
        buffered = 0;
    }

    private void emit(byte[] src, int off, int len) throws IOException {
        try {
            emitFrame(src, off, len);
        } catch (IOException | RuntimeException e) {
            failed = true; // a frame may be half written: the stream can only be abandoned
            throw e;
        }
    }

    private void emitFrame(byte[] src, int off, int len) throws IOException {
        codec.frameDigest(src, off, len, tail, 0);
        codec.chain(tail, 0);
        int codecId = 0;
        byte[] out = src;
        int outOff = off;
        int outLen = len;
        int clen = codec.compress(src, off, len, compressed);
        if (clen >= 0) {
            codecId = options.compression().wireId();
            out = compressed;
            outOff = 0;
            outLen = clen;
        }
        if (encrypted != null) {
            outLen = codec.encrypt(seq, len, codecId, out, outOff, outLen, encrypted);
            out = encrypted;
            outOff = 0;
        }
        head[0] = (byte) Wire.TYPE_FRAME;
        head[1] = (byte) codecId;
        Wire.putLong(head, 2, seq);
        Wire.putInt(head, 10, len);
        Wire.putInt(head, 14, outLen);
        CRC32C crc = codec.crc();
        crc.update(head, 0, Wire.FRAME_HEAD);
        crc.update(out, outOff, outLen);
        crc.update(tail, 0, Wire.DIGEST);
        Wire.putInt(tail, Wire.DIGEST, (int) crc.getValue());
        sink.write(head);
        sink.write(out, outOff, outLen);
        sink.write(tail);
        wireBytes += Wire.FRAME_HEAD + outLen + Wire.FRAME_TAIL;
        payloadBytes += len;
        long done = seq++;
        options.listener().onFrame(done, len, payloadBytes, wireBytes);
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private void guarded(IoAction action) throws IOException {
        try {
            action.run();
        } catch (IOException | RuntimeException e) {
            failed = true;
            throw e;
        }
    }
}
