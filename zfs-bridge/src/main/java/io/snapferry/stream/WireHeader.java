package io.snapferry.stream;

import static io.snapferry.stream.StreamCorruptException.Code.BAD_MAGIC;
import static io.snapferry.stream.StreamCorruptException.Code.DIGEST_MISMATCH;
import static io.snapferry.stream.StreamCorruptException.Code.MALFORMED;
import static io.snapferry.stream.StreamCorruptException.Code.OVERSIZED;
import static io.snapferry.stream.StreamCorruptException.Code.UNSUPPORTED_VERSION;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/** The stream header as it is on the wire: encoding, and parsing with every check. */
record WireHeader(StreamHeader header, Framing framing, byte[] salt, byte[] bytes, byte[] digest) {

    /** Encodes a header; {@code salt} and {@code fingerprint} are null when not encrypted. */
    static WireHeader encode(StreamHeader h, Framing f, byte[] fingerprint, byte[] salt) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(512);
        body.write(f.compression().wireId());
        body.write(f.encryption().wireId());
        body.write(0);
        body.write(0);
        byte[] four = new byte[4];
        Wire.putInt(four, 0, f.maxFrameSize());
        body.writeBytes(four);
        byte[] id = new byte[Wire.STREAM_ID];
        Wire.putLong(id, 0, h.streamId().high());
        Wire.putLong(id, 8, h.streamId().low());
        body.writeBytes(id);
        putString8(body, h.payloadKind());
        byte[] ds = h.dataset().value().getBytes(StandardCharsets.UTF_8);
        body.write(ds.length >>> 8);
        body.write(ds.length);
        body.writeBytes(ds);
        body.write(h.from().isPresent() ? 1 : 0);
        if (h.from().isPresent()) {
            putSnapshot(body, h.from().get());
        }
        putSnapshot(body, h.to());
        putString8(body, h.sourceBoxId());
        if (f.encryption() != Encryption.NONE) {
            body.writeBytes(fingerprint);
            body.writeBytes(salt);
        }
        byte[] b = body.toByteArray();
        byte[] all = new byte[Wire.HEADER_PREFIX + b.length + Wire.DIGEST];
        System.arraycopy(Wire.MAGIC, 0, all, 0, 8);
        all[8] = (byte) (Wire.VERSION >>> 8);
        all[9] = (byte) Wire.VERSION;
        Wire.putInt(all, 10, b.length);
        System.arraycopy(b, 0, all, Wire.HEADER_PREFIX, b.length);
        byte[] digest = sha256(all, Wire.HEADER_PREFIX + b.length);
        System.arraycopy(digest, 0, all, Wire.HEADER_PREFIX + b.length, Wire.DIGEST);
        return new WireHeader(h, f, salt, all, digest);
    }

    private static void putString8(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length);
        out.writeBytes(b);
    }

    private static void putSnapshot(ByteArrayOutputStream out, SnapshotIdentity s) {
        putString8(out, s.name());
        byte[] g = new byte[8];
        Wire.putLong(g, 0, s.guid());
        out.writeBytes(g);
    }

    private static byte[] sha256(byte[] b, int len) {
        MessageDigest md = Digests.sha256();
        md.update(b, 0, len);
        return md.digest();
    }

    /** Reads and checks a header: magic, version, size, SHA-256, then every field. */
    static WireHeader read(WireInput in, StreamLimits limits) throws IOException {
        byte[] prefix = new byte[Wire.HEADER_PREFIX];
        in.readFully(prefix, 0, 8, -1, "magic");
        if (!Arrays.equals(prefix, 0, 8, Wire.MAGIC, 0, 8)) {
            throw new StreamCorruptException(BAD_MAGIC, "the input does not start with the snapferry stream magic \"SNAPFERY\""
                    + " (found " + HexFormat.of().formatHex(prefix, 0, 8) + "): it is not a snapferry stream");
        }
        in.readFully(prefix, 8, 2, -1, "format version");
        int version = Wire.getShort(prefix, 8);
        if (version != Wire.VERSION) {
            throw new StreamCorruptException(UNSUPPORTED_VERSION, "stream format version " + version
                    + " is not supported: this reader knows version " + Wire.VERSION + "; upgrade the receiving box");
        }
        in.readFully(prefix, 10, 4, -1, "header length");
        int bodyLength = Wire.getInt(prefix, 10);
        if (bodyLength < 0 || bodyLength > Wire.MAX_HEADER_BODY) {
            throw new StreamCorruptException(OVERSIZED, "the header declares " + Integer.toUnsignedString(bodyLength)
                    + " bytes; the format allows at most " + Wire.MAX_HEADER_BODY);
        }
        byte[] all = new byte[Wire.HEADER_PREFIX + bodyLength + Wire.DIGEST];
        System.arraycopy(prefix, 0, all, 0, Wire.HEADER_PREFIX);
        in.readFully(all, Wire.HEADER_PREFIX, bodyLength + Wire.DIGEST, -1, "header");
        byte[] digest = sha256(all, Wire.HEADER_PREFIX + bodyLength);
        if (!MessageDigest.isEqual(digest, Arrays.copyOfRange(all, Wire.HEADER_PREFIX + bodyLength, all.length))) {
            throw new StreamCorruptException(DIGEST_MISMATCH, "the header does not match its SHA-256: it was damaged in transit");
        }
        Body body = new Body(all, Wire.HEADER_PREFIX, Wire.HEADER_PREFIX + bodyLength);
        int compressionId = body.u8("compression");
        Compression compression = Compression.ofWireId(compressionId);
        if (compression == null) {
            throw new StreamCorruptException(MALFORMED, "unknown compression id " + compressionId + " in the header");
        }
        int encryptionId = body.u8("encryption");
        Encryption encryption = Encryption.ofWireId(encryptionId);
        if (encryption == null) {
            throw new StreamCorruptException(MALFORMED, "unknown encryption id " + encryptionId + " in the header");
        }
        int flags = body.u8("flags") << 8 | body.u8("flags");
        if (flags != 0) {
            throw new StreamCorruptException(MALFORMED, "the header sets unknown flags 0x" + Integer.toHexString(flags));
        }
        long maxFrame = body.u32("max frame size");
        if (maxFrame > StreamOptions.MAX_FRAME_SIZE || maxFrame > limits.maxFrameSize()) {
            throw new StreamCorruptException(OVERSIZED, "the header announces frames of up to " + maxFrame
                    + " bytes; this reader accepts at most " + limits.maxFrameSize());
        }
        if (maxFrame < StreamOptions.MIN_FRAME_SIZE) {
            throw new StreamCorruptException(MALFORMED, "the header announces a frame size of " + maxFrame
                    + " bytes, below the format's minimum " + StreamOptions.MIN_FRAME_SIZE);
        }
        StreamHeader.StreamId id = new StreamHeader.StreamId(body.u64("stream id"), body.u64("stream id"));
        String kind = body.string8("payload kind");
        String dataset = body.string16("dataset", 255);
        int hasFrom = body.u8("from flag");
        if (hasFrom > 1) {
            throw new StreamCorruptException(MALFORMED, "the header's from-snapshot flag is " + hasFrom + ", not 0 or 1");
        }
        Optional<SnapshotIdentity> from = Optional.empty();
        String fromName = null;
        long fromGuid = 0;
        if (hasFrom == 1) {
            fromName = body.string8("from-snapshot name");
            fromGuid = body.u64("from-snapshot guid");
        }
        String toName = body.string8("to-snapshot name");
        long toGuid = body.u64("to-snapshot guid");
        String box = body.string8("source box id");
        byte[] fingerprint = null;
        byte[] salt = null;
        if (encryption != Encryption.NONE) {
            fingerprint = body.bytes(StreamKey.FINGERPRINT_BYTES, "key fingerprint");
            salt = body.bytes(Wire.SALT, "salt");
        }
        if (body.remaining() != 0) {
            throw new StreamCorruptException(MALFORMED, body.remaining() + " unexpected bytes at the end of the header");
        }
        StreamHeader header;
        try {
            if (hasFrom == 1) {
                from = Optional.of(new SnapshotIdentity(fromName, fromGuid));
            }
            header = new StreamHeader(kind, DatasetName.of(dataset), from, new SnapshotIdentity(toName, toGuid), box, id);
        } catch (IllegalArgumentException | DatasetException e) {
            throw new StreamCorruptException(MALFORMED, -1, "the header holds an invalid field: " + e.getMessage(), e);
        }
        Framing framing = new Framing(compression, encryption, (int) maxFrame,
                fingerprint == null ? Optional.empty() : Optional.of(HexFormat.of().formatHex(fingerprint)));
        return new WireHeader(header, framing, salt, all, digest);
    }

    /** A bounded cursor over the header body. */
    private static final class Body {
        private final byte[] b;
        private int pos;
        private final int end;

        Body(byte[] b, int pos, int end) {
            this.b = b;
            this.pos = pos;
            this.end = end;
        }

        int remaining() {
            return end - pos;
        }

        private void need(int n, String what) throws StreamCorruptException {
            if (end - pos < n) {
                throw new StreamCorruptException(MALFORMED, "the header ends inside its " + what + " field");
            }
        }

        int u8(String what) throws StreamCorruptException {
            need(1, what);
            return b[pos++] & 0xff;
        }

        long u32(String what) throws StreamCorruptException {
            need(4, what);
            long v = Wire.getInt(b, pos) & 0xffffffffL;
            pos += 4;
            return v;
        }

        long u64(String what) throws StreamCorruptException {
            need(8, what);
            long v = Wire.getLong(b, pos);
            pos += 8;
            return v;
        }

        byte[] bytes(int n, String what) throws StreamCorruptException {
            need(n, what);
            byte[] out = Arrays.copyOfRange(b, pos, pos + n);
            pos += n;
            return out;
        }

        String string8(String what) throws StreamCorruptException {
            return string(u8(what), what);
        }

        String string16(String what, int max) throws StreamCorruptException {
            need(2, what);
            int len = Wire.getShort(b, pos);
            pos += 2;
            if (len > max) {
                throw new StreamCorruptException(MALFORMED, "the header's " + what + " is " + len + " bytes; at most " + max + " are allowed");
            }
            return string(len, what);
        }

        private String string(int len, String what) throws StreamCorruptException {
            if (len == 0) {
                throw new StreamCorruptException(MALFORMED, "the header's " + what + " is empty");
            }
            need(len, what);
            for (int i = pos; i < pos + len; i++) {
                if (b[i] < 0x21 || b[i] > 0x7e) {
                    throw new StreamCorruptException(MALFORMED, "the header's " + what + " holds a byte outside printable ASCII");
                }
            }
            String s = new String(b, pos, len, StandardCharsets.US_ASCII);
            pos += len;
            return s;
        }
    }
}
