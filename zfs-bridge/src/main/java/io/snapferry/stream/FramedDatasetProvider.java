package io.snapferry.stream;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A provider whose streams travel in snapferry's stream format: {@link #send} frames what the
 * wrapped provider sends (checksummed frames, compression, optional encryption), and
 * {@link #receive} checks every frame before the wrapped provider sees its bytes. Every other
 * operation passes through unchanged.
 *
 * <p>This is the boundary of a box: whatever leaves it is framed, whatever enters is verified,
 * whether the other side is local or at the end of an SSH channel.
 *
 * <p>Frames sent again: what {@link #send} returns is a {@link FrameReplayInputStream}, so whoever
 * carries it can send recent frames again. When the stream handed to {@link #receive} offers a
 * {@link FrameResendChannel} ({@link FrameResendChannel#of}), a frame that fails its check is asked
 * for again through it, up to {@link StreamReader#MAX_COPIES} copies; without one, or once the
 * same frame came bad that many times, the receive stops with {@link ErrorCode#CORRUPT_STREAM}.
 * The wrapped provider's receive is atomic, so nothing of a damaged stream is kept. Each receive
 * ends with a {@link VerificationReport} handed to the listener.
 */
public final class FramedDatasetProvider extends io.snapferry.dataset.ForwardingDatasetProvider {
    private final DatasetProvider inner;
    private final String boxId;
    private final StreamOptions sendOptions;
    private final KeyResolver receiveKeys;
    private final Consumer<VerificationReport> reports;

    /**
     * @param boxId       this box's id, written into every stream header
     * @param sendOptions compression, encryption and frame size of what this box sends
     * @param receiveKeys finds the key of an encrypted stream this box receives, by its fingerprint
     * @param reports     told the outcome of every receive, successful or not
     */
    public FramedDatasetProvider(DatasetProvider inner, String boxId, StreamOptions sendOptions,
                                 KeyResolver receiveKeys, Consumer<VerificationReport> reports) {
        this.inner = inner;
        this.boxId = boxId;
        this.sendOptions = sendOptions;
        this.receiveKeys = receiveKeys;
        this.reports = reports;
    }

    /**
     * What one receive verified. {@code result} is "ok" or the reason it failed;
     * {@code keyFingerprint} names the stream key it was encrypted with, empty when plain;
     * {@code resentFrames} counts the frames that arrived bad and were asked for again.
     */
    public record VerificationReport(DatasetName target, List<SnapshotName> received, long frames, long payloadBytes,
                                     long wireBytes, String digest, String keyFingerprint, Duration duration, String result,
                                     long resentFrames) {
        public boolean ok() {
            return result.equals("ok");
        }
    }

    public DatasetProvider inner() {
        return inner;
    }

    @Override
    public InputStream send(SendRequest request) throws IOException {
        StreamHeader header = header(request);
        return new FrameReplayInputStream(new FramingInputStream(inner.send(request), header, sendOptions));
    }

    /**
     * The inner provider's estimate plus the framing (header, per-frame head, tail and GCM tag,
     * trailer: exact, see {@link StreamWriter#wireSize}) when streams leave uncompressed; empty with
     * compression, whose output size cannot be known before the data is compressed.
     */
    @Override
    public java.util.OptionalLong estimateSendSize(SendRequest request) {
        if (sendOptions.compression() != Compression.NONE || request.resumeToken().isPresent()) {
            return java.util.OptionalLong.empty();
        }
        java.util.OptionalLong payload = inner.estimateSendSize(request);
        if (payload.isEmpty()) {
            return payload;
        }
        return StreamWriter.wireSize(header(request), sendOptions, payload.getAsLong());
    }

    private StreamHeader header(SendRequest request) {
        SnapshotName to = request.snapshot();
        List<Snapshot> snaps = inner.listSnapshots(to.dataset());
        long toGuid = guidOf(snaps, to);
        Optional<SnapshotIdentity> from = Optional.empty();
        if (request.base().isPresent()) {
            from = Optional.of(SnapshotIdentity.of(request.base().get(), guidOf(snaps, request.base().get())));
        }
        return StreamHeader.create(inner.streamKind(to), to.dataset(), from, SnapshotIdentity.of(to, toGuid), boxId);
    }

    private static long guidOf(List<Snapshot> snaps, SnapshotName name) {
        for (Snapshot s : snaps) {
            if (s.name().equals(name)) {
                return s.guid();
            }
        }
        throw DatasetException.notFound("snapshot " + name);
    }

    @Override
    public ReceiveResult receive(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException {
        long started = System.nanoTime();
        // The SPI's receive reads its stream to the end and leaves closing it to the caller: a
        // transport may carry more after our trailer (its own end marker) and take an early close as an abort.
        InputStream wire = new java.io.FilterInputStream(stream) {
            @Override
            public void close() {
            }
        };
        StreamReader reader;
        try {
            StreamLimits limits = StreamLimits.defaults().withRequireEndOfInput(false);
            Optional<FrameResendChannel> channel = FrameResendChannel.of(stream);
            reader = channel.isPresent() ? StreamReader.open(wire, receiveKeys, limits, channel.get())
                    : StreamReader.open(wire, receiveKeys, limits);
        } catch (StreamCorruptException e) {
            report(target, List.of(), null, started, e.getMessage());
            throw new DatasetException(codeOf(e), "stream into " + target + " rejected: " + e.getMessage(), e);
        }
        String expected = inner.capabilities().streamKind();
        if (!reader.header().payloadKind().equals(expected) && !acceptsForeign(reader.header().payloadKind())) {
            reader.close();
            throw new DatasetException(ErrorCode.UNSUPPORTED, "a " + reader.header().payloadKind() + " stream cannot be received into "
                    + target + ", which takes " + expected + " streams");
        }
        try {
            ReceiveResult r = inner.receive(target, reader, options);
            StreamSummary summary = reader.verifyToEnd();
            drain(stream);
            reports.accept(new VerificationReport(target, r.received(), summary.frames(), summary.payloadBytes(),
                    summary.wireBytes(), summary.digest(), reader.framing().keyFingerprint().orElse(""),
                    Duration.ofNanos(System.nanoTime() - started), "ok", reader.resentFrames()));
            return r;
        } catch (StreamCorruptException e) {
            report(target, List.of(), reader, started, e.getMessage());
            throw new DatasetException(codeOf(e), "stream into " + target + " failed verification ("
                    + e.getMessage() + "); nothing of it was kept", e);
        } catch (IOException | RuntimeException e) {
            report(target, List.of(), reader, started, e.getMessage() == null ? e.toString() : e.getMessage());
            throw e;
        } finally {
            reader.close();
        }
    }

    /** Reads what follows the trailer to the stream's end; a stream format ends exactly at its trailer, so a lot more is an error. */
    private static void drain(InputStream stream) throws IOException {
        byte[] buf = new byte[8192];
        long extra = 0;
        int n;
        while ((n = stream.read(buf)) >= 0) {
            extra += n;
            if (extra > (1 << 20)) {
                throw new StreamCorruptException(StreamCorruptException.Code.GARBAGE_AFTER_END,
                        "more than 1 MiB follows the stream's trailer");
            }
        }
    }

    /**
     * Damage on the way (a bad frame, a cut stream) is CORRUPT_STREAM, which a retry can mend; a
     * key that does not fit is PERMISSION: sending again cannot help until an operator acts.
     */
    private static ErrorCode codeOf(StreamCorruptException e) {
        return switch (e.code()) {
            case ENCRYPTION_MISMATCH, FINGERPRINT_MISMATCH -> ErrorCode.PERMISSION;
            case UNSUPPORTED_VERSION -> ErrorCode.UNSUPPORTED;
            default -> ErrorCode.CORRUPT_STREAM;
        };
    }

    /** The embedded store keeps ZFS streams as opaque replicas; other providers take only their own kind. */
    private boolean acceptsForeign(String kind) {
        return inner.capabilities().streamKind().equals("embedded") && kind.equals("zfs");
    }

    private void report(DatasetName target, List<SnapshotName> received, StreamReader reader, long started, String why) {
        reports.accept(new VerificationReport(target, received, 0, reader == null ? 0 : reader.payloadBytes(),
                reader == null ? 0 : reader.wireBytes(), "", reader == null ? "" : reader.framing().keyFingerprint().orElse(""),
                Duration.ofNanos(System.nanoTime() - started),
                why == null ? "failed" : why, reader == null ? 0 : reader.resentFrames()));
    }

    /**
     * Frames a payload on demand: each read pulls from the source until a frame is complete, so
     * nothing runs on another thread and at most one frame is buffered. A source that fails
     * leaves the stream without a trailer, so no reader mistakes it for complete.
     */
    private static final class FramingInputStream extends InputStream {
        private final InputStream source;
        private final Buffer out = new Buffer();
        private final StreamWriter writer;
        private final byte[] chunk = new byte[128 * 1024];
        private int pos;
        private boolean finished;

        FramingInputStream(InputStream source, StreamHeader header, StreamOptions options) throws IOException {
            this.source = source;
            this.writer = StreamWriter.open(out, header, options);
        }

        private boolean fill() throws IOException {
            while (pos >= out.size()) {
                if (finished) {
                    return false;
                }
                out.reset();
                pos = 0;
                int n = source.read(chunk);
                if (n < 0) {
                    writer.finish();
                    finished = true;
                } else if (n > 0) {
                    writer.write(chunk, 0, n);
                }
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            try {
                if (!fill()) {
                    return -1;
                }
            } catch (IOException | RuntimeException e) {
                writer.abort();
                throw e;
            }
            int n = Math.min(len, out.size() - pos);
            System.arraycopy(out.bytes(), pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public void close() throws IOException {
            try {
                source.close();
            } finally {
                if (!finished) {
                    writer.abort();
                }
            }
        }
    }

    /** A byte buffer whose array can be read without copying. */
    private static final class Buffer extends ByteArrayOutputStream {
        Buffer() {
            super(StreamOptions.DEFAULT_FRAME_SIZE + 4096);
        }

        byte[] bytes() {
            return buf;
        }
    }

    @Override
    protected DatasetProvider delegate() {
        return inner;
    }
}
