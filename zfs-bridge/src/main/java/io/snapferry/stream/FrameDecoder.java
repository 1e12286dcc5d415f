package io.snapferry.stream;

import static io.snapferry.stream.StreamCorruptException.Code.BAD_MAGIC;
import static io.snapferry.stream.StreamCorruptException.Code.CHECKSUM_MISMATCH;
import static io.snapferry.stream.StreamCorruptException.Code.DIGEST_MISMATCH;
import static io.snapferry.stream.StreamCorruptException.Code.ENCRYPTION_MISMATCH;
import static io.snapferry.stream.StreamCorruptException.Code.FINGERPRINT_MISMATCH;
import static io.snapferry.stream.StreamCorruptException.Code.GARBAGE_AFTER_END;
import static io.snapferry.stream.StreamCorruptException.Code.MALFORMED;
import static io.snapferry.stream.StreamCorruptException.Code.OUT_OF_ORDER;
import static io.snapferry.stream.StreamCorruptException.Code.OVERSIZED;
import static io.snapferry.stream.StreamCorruptException.Code.TRAILER_MISMATCH;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.zip.CRC32C;

/**
 * Reads a stream frame by frame, for a receiver that wants to see bad frames instead of failing
 * on the first one (to ask for them again). {@link StreamReader} is built on it and is what most
 * callers want.
 *
 * <h2>Ordering and re-sent frames</h2>
 * Frames must arrive in sequence order from 0. When a frame's framing is intact but its contents
 * fail a check (CRC-32C, AES-GCM, decompression, digest: codes whose
 * {@link StreamCorruptException.Code#frameLocal()} is true), {@link #next()} returns it as
 * {@link Frame.Status#BAD} and keeps expecting the same sequence number: the next frame it accepts
 * is that frame sent again. Frames with higher numbers that arrive meanwhile (already in flight)
 * are consumed without being decrypted or verified and returned as {@link Frame.Status#SKIPPED}; the sender must send them
 * again after the re-sent frame. So is a trailer that arrives meanwhile (its sequence number is
 * {@link Frame#TRAILER}): the sender sends it again after the frames, and a stream whose input ends
 * while a frame is awaited is TRUNCATED. A frame with a number already accepted, or a higher number when
 * no frame is awaited, is OUT_OF_ORDER. The trailer is checked against the accepted frames only, so
 * a stream ends well only when every frame was accepted once, in order.
 *
 * <p>Everything else (truncation, a bad record type, an impossible length, a bad header or
 * trailer) is thrown as a {@link StreamCorruptException}: after it the position in the input is
 * lost, and every further {@link #next()} throws the same exception.
 *
 * <h2>Resources and threads</h2>
 * Not thread-safe. Reads exactly the stream's bytes (one more when
 * {@link StreamLimits#requireEndOfInput()} is set); {@link #close()} closes the input.
 * Memory is bounded by the header's frame size, itself bounded by {@link StreamLimits#maxFrameSize()}:
 * no declared length is allocated before it has been checked against those bounds.
 */
public final class FrameDecoder implements Closeable {
    private final WireInput in;
    private final WireHeader header;
    private final FrameCodec codec;
    private final StreamLimits limits;
    private final FrameListener listener;
    private final byte[] head = new byte[Wire.FRAME_HEAD];
    private final byte[] tail = new byte[Wire.FRAME_TAIL];
    private final byte[] digest = new byte[Wire.DIGEST];
    private byte[] stored = new byte[0];
    private byte[] work = new byte[0];
    private byte[] plain = new byte[0];
    private long expected;
    private boolean awaitingResend;
    private long payloadBytes;
    private StreamSummary summary;
    private IOException failure;

    private FrameDecoder(WireInput in, WireHeader header, FrameCodec codec, StreamLimits limits, FrameListener listener) {
        this.in = in;
        this.header = header;
        this.codec = codec;
        this.limits = limits;
        this.listener = listener;
    }

    /**
     * Reads and checks the header. Fails with ENCRYPTION_MISMATCH when the stream is encrypted
     * and {@code key} is empty or the stream is plain and a key is given, and with
     * FINGERPRINT_MISMATCH when the key is not the stream's.
     */
    public static FrameDecoder open(InputStream wire, Optional<StreamKey> key, StreamLimits limits,
                                    FrameListener listener) throws IOException {
        Objects.requireNonNull(key, "key");
        return open(wire, fingerprint -> key, key.isPresent(), limits, listener);
    }

    /**
     * Reads and checks the header, then asks {@code keys} for the key whose fingerprint the header
     * names (only for an encrypted stream). Fails with ENCRYPTION_MISMATCH when no key has that
     * fingerprint, and otherwise as {@link #open(InputStream, Optional, StreamLimits, FrameListener)}.
     */
    public static FrameDecoder open(InputStream wire, KeyResolver keys, StreamLimits limits,
                                    FrameListener listener) throws IOException {
        return open(wire, keys, false, limits, listener);
    }

    /** @param keyExpected a key was handed in, so a plain stream is refused */
    private static FrameDecoder open(InputStream wire, KeyResolver keys, boolean keyExpected, StreamLimits limits,
                                     FrameListener listener) throws IOException {
        Objects.requireNonNull(wire, "wire");
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(listener, "listener");
        WireInput in = new WireInput(wire);
        WireHeader header = WireHeader.read(in, limits);
        Framing f = header.framing();
        Optional<StreamKey> key = f.keyFingerprint().isPresent() ? keys.find(f.keyFingerprint().get()) : Optional.empty();
        if (f.encryption() != Encryption.NONE && key.isEmpty()) {
            throw new StreamCorruptException(ENCRYPTION_MISMATCH, "fingerprint mismatch: the stream is encrypted with key "
                    + f.keyFingerprint().orElseThrow() + " and no key was given that has this fingerprint:"
                    + " import the sending box's stream key ('snapferry stream-key import')");
        }
        if (f.encryption() == Encryption.NONE && keyExpected) {
            throw new StreamCorruptException(ENCRYPTION_MISMATCH, "a key"
                    + " was given but the stream is not encrypted: refusing a plain stream where an encrypted one is expected");
        }
        if (key.isPresent() && !key.get().fingerprint().equals(f.keyFingerprint().orElseThrow())) {
            throw new StreamCorruptException(FINGERPRINT_MISMATCH, "fingerprint mismatch: stream was encrypted with key "
                    + f.keyFingerprint().get() + ", this key is " + key.get().fingerprint() + " (" + key.get().name() + ")");
        }
        FrameCodec codec = new FrameCodec(header, key.orElse(null), 1);
        return new FrameDecoder(in, header, codec, limits, listener);
    }

    public static FrameDecoder open(InputStream wire, Optional<StreamKey> key, StreamLimits limits) throws IOException {
        return open(wire, key, limits, FrameListener.NONE);
    }

    public StreamHeader header() {
        return header.header();
    }

    public Framing framing() {
        return header.framing();
    }

    /** The sequence number of the next frame that will be accepted. */
    public long expectedSeq() {
        return expected;
    }

    /** The frame that was BAD and is awaited again, if any. */
    public OptionalLong awaitingResend() {
        return awaitingResend ? OptionalLong.of(expected) : OptionalLong.empty();
    }

    /** Bytes read from the wire so far. */
    public long wireBytes() {
        return in.count();
    }

    /** Plaintext bytes of accepted frames so far. */
    public long payloadBytes() {
        return payloadBytes;
    }

    /** The stream's summary once {@link #next()} has returned empty. */
    public Optional<StreamSummary> summary() {
        return Optional.ofNullable(summary);
    }

    /**
     * The next frame, or empty once the trailer has been read and checked (and, when required,
     * the input ended there). Calling it again after the end returns empty.
     *
     * @throws StreamCorruptException for anything that is not confined to one frame
     */
    public Optional<Frame> next() throws IOException {
        if (summary != null) {
            return Optional.empty();
        }
        if (failure != null) {
            throw failure;
        }
        try {
            return decodeNext();
        } catch (IOException e) {
            failure = e;
            throw e;
        }
    }

    private Optional<Frame> decodeNext() throws IOException {
        int type = in.readByteOrEnd();
        if (type < 0) {
            throw new StreamCorruptException(StreamCorruptException.Code.TRUNCATED, awaitingResend ? expected : -1,
                    "the input ended after " + in.count() + " bytes without a trailer"
                    + (awaitingResend ? ", while frame " + expected + " was awaited again" : "") + ": the stream is incomplete");
        }
        if (type == Wire.TYPE_TRAILER) {
            if (awaitingResend) {
                // in flight behind the bad frame, like the frames after it: the sender sends it again
                byte[] t = new byte[Wire.TRAILER_BODY];
                in.readFully(t, 0, Wire.TRAILER_BODY, expected, "trailer");
                return Optional.of(new Frame(Frame.TRAILER, Frame.Status.SKIPPED, plain, 0, Optional.empty()));
            }
            readTrailer();
            return Optional.empty();
        }
        if (type != Wire.TYPE_FRAME) {
            throw new StreamCorruptException(BAD_MAGIC, expected, "expected a frame (0x46) or the trailer (0x54) at wire offset "
                    + (in.count() - 1) + ", found 0x" + Integer.toHexString(type));
        }
        head[0] = (byte) type;
        in.readFully(head, 1, Wire.FRAME_HEAD - 1, expected, "frame header");
        int codecId = head[1] & 0xff;
        long seq = Wire.getLong(head, 2);
        long ulen = Wire.getInt(head, 10) & 0xffffffffL;
        long slen = Wire.getInt(head, 14) & 0xffffffffL;
        int maxFrame = header.framing().maxFrameSize();
        if (ulen > maxFrame) {
            throw new StreamCorruptException(OVERSIZED, expected, "the frame declares " + ulen
                    + " plaintext bytes; the stream's frames are at most " + maxFrame);
        }
        if (ulen == 0) {
            throw new StreamCorruptException(MALFORMED, expected, "the frame declares 0 plaintext bytes; frames are never empty");
        }
        if (codecId != 0 && codecId != header.framing().compression().wireId()) {
            throw new StreamCorruptException(MALFORMED, expected, "the frame uses codec " + codecId
                    + " but the stream's compression is " + header.framing().compression());
        }
        int maxStored = codec.maxStored(codecId, (int) ulen);
        if (slen > maxStored) {
            throw new StreamCorruptException(OVERSIZED, expected, "the frame declares " + slen + " stored bytes; a frame of "
                    + ulen + " plaintext bytes stores at most " + maxStored);
        }
        if (codecId == 0 && slen != maxStored) {
            throw new StreamCorruptException(MALFORMED, expected, "an uncompressed frame of " + ulen + " bytes must store "
                    + maxStored + " bytes, not " + slen);
        }
        if (payloadBytes + ulen > limits.maxPayloadBytes()) {
            throw new StreamCorruptException(OVERSIZED, expected, "the payload exceeds the limit of " + limits.maxPayloadBytes() + " bytes");
        }
        int s = (int) slen;
        int u = (int) ulen;
        stored = ensure(stored, s);
        in.readFully(stored, 0, s, expected, "frame payload");
        in.readFully(tail, 0, Wire.FRAME_TAIL, expected, "frame digest and checksum");

        CRC32C crc = codec.crc();
        crc.update(head, 0, Wire.FRAME_HEAD);
        crc.update(stored, 0, s);
        crc.update(tail, 0, Wire.DIGEST);
        if ((int) crc.getValue() != Wire.getInt(tail, Wire.DIGEST)) {
            return bad(new StreamCorruptException(CHECKSUM_MISMATCH, expected,
                    "the frame's CRC-32C does not match its bytes (it declares sequence " + seq + "): damaged in transit"));
        }
        if (seq < expected || (seq > expected && !awaitingResend)) {
            throw new StreamCorruptException(OUT_OF_ORDER, seq, seq < expected
                    ? "frame " + seq + " arrived again after it was accepted (duplicate or replay); expected frame " + expected
                    : "frame " + seq + " arrived where frame " + expected + " was expected (frames missing or reordered)");
        }
        if (seq > expected) {
            return Optional.of(new Frame(seq, Frame.Status.SKIPPED, plain, 0, Optional.empty()));
        }
        try {
            byte[] src = stored;
            int n = s;
            if (codec.encrypted()) {
                work = ensure(work, s);
                n = codec.decrypt(seq, u, codecId, stored, s, work);
                src = work;
            }
            byte[] out;
            if (codecId == 0) {
                out = src;
            } else {
                plain = ensure(plain, u);
                codec.decompress(codecId, src, n, plain, u, seq);
                out = plain;
            }
            codec.frameDigest(out, 0, u, digest, 0);
            if (!MessageDigest.isEqual(digest, Arrays.copyOf(tail, Wire.DIGEST))) {
                throw new StreamCorruptException(DIGEST_MISMATCH, seq, "the frame's plaintext does not match its digest");
            }
            codec.chain(digest, 0);
            expected++;
            awaitingResend = false;
            payloadBytes += u;
            listener.onFrame(seq, u, payloadBytes, in.count());
            return Optional.of(new Frame(seq, Frame.Status.OK, out, u, Optional.empty()));
        } catch (StreamCorruptException e) {
            if (e.code().frameLocal()) {
                return bad(e);
            }
            throw e;
        }
    }

    private Optional<Frame> bad(StreamCorruptException problem) {
        awaitingResend = true;
        return Optional.of(new Frame(expected, Frame.Status.BAD, plain, 0, Optional.of(problem)));
    }

    private void readTrailer() throws IOException {
        byte[] t = new byte[1 + Wire.TRAILER_BODY];
        t[0] = (byte) Wire.TYPE_TRAILER;
        in.readFully(t, 1, Wire.TRAILER_BODY, -1, "trailer");
        CRC32C crc = codec.crc();
        crc.update(t, 0, 1 + 8 + 8 + Wire.DIGEST);
        if ((int) crc.getValue() != Wire.getInt(t, 1 + 8 + 8 + Wire.DIGEST)) {
            throw new StreamCorruptException(TRAILER_MISMATCH, "the trailer's CRC-32C does not match its bytes: damaged in transit");
        }
        if (!Arrays.equals(t, t.length - 8, t.length, Wire.END_MARKER, 0, 8)) {
            throw new StreamCorruptException(BAD_MAGIC, "the trailer does not end with the end marker \"FERRYEND\"");
        }
        long frames = Wire.getLong(t, 1);
        long bytes = Wire.getLong(t, 9);
        if (frames != expected) {
            throw new StreamCorruptException(TRAILER_MISMATCH, "the trailer counts " + Long.toUnsignedString(frames)
                    + " frames but " + expected + " were received: frames are missing at the end");
        }
        if (bytes != payloadBytes) {
            throw new StreamCorruptException(TRAILER_MISMATCH, "the trailer counts " + Long.toUnsignedString(bytes)
                    + " payload bytes but " + payloadBytes + " were received");
        }
        byte[] mine = codec.streamDigest();
        if (!MessageDigest.isEqual(mine, Arrays.copyOfRange(t, 17, 17 + Wire.DIGEST))) {
            throw new StreamCorruptException(TRAILER_MISMATCH, "the trailer's stream digest does not match the frames received");
        }
        if (limits.requireEndOfInput()) {
            int extra = in.readByteOrEnd();
            if (extra >= 0) {
                throw new StreamCorruptException(GARBAGE_AFTER_END, "bytes follow the end marker at wire offset "
                        + (in.count() - 1) + ": the stream was corrupted or something wrote after it");
            }
        }
        summary = new StreamSummary(expected, payloadBytes, in.count(), HexFormat.of().formatHex(mine));
        codec.close();
    }

    private static byte[] ensure(byte[] b, int n) {
        return b.length >= n ? b : new byte[n];
    }

    /** Frees native state and closes the input. */
    @Override
    public void close() throws IOException {
        codec.close();
        in.close();
    }
}
