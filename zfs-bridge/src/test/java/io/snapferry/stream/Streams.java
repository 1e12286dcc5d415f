package io.snapferry.stream;

import io.snapferry.dataset.DatasetName;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.zip.CRC32C;

/** Helpers for stream tests: writing and reading in memory, payloads, and the wire layout. */
final class Streams {
    private Streams() {
    }

    static final StreamKey KEY = new StreamKey("test-key", bytes(32, 7));
    static final StreamKey OTHER_KEY = new StreamKey("other-key", bytes(32, 8));

    static StreamHeader header() {
        return new StreamHeader("zfs", DatasetName.of("tank/data"),
                Optional.of(new SnapshotIdentity("auto-2026-11-22_10:00", 0x1234_5678_9abc_def0L)),
                new SnapshotIdentity("auto-2026-11-22_11:00", -42L), "box-a.example", new StreamHeader.StreamId(1, 2));
    }

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Text-like bytes that compress about 3:1. */
    static byte[] compressible(int n, int seed) {
        Random r = new Random(seed);
        String[] words = {"snapshot ", "dataset ", "tank/", "zfs ", "receive ", "frame ", "\n", "0123 ", "stream "};
        byte[] b = new byte[n];
        int i = 0;
        while (i < n) {
            byte[] w = words[r.nextInt(words.length)].getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            int k = Math.min(w.length, n - i);
            System.arraycopy(w, 0, b, i, k);
            i += k;
            if (r.nextInt(10) == 0 && i < n) {
                b[i++] = (byte) r.nextInt();
            }
        }
        return b;
    }

    static byte[] write(byte[] payload, StreamOptions options) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (StreamWriter w = StreamWriter.open(sink, header(), options)) {
            w.write(payload);
        }
        return sink.toByteArray();
    }

    static byte[] read(byte[] wire, Optional<StreamKey> key) throws IOException {
        return read(wire, key, StreamLimits.defaults());
    }

    static byte[] read(byte[] wire, Optional<StreamKey> key, StreamLimits limits) throws IOException {
        try (StreamReader r = StreamReader.open(new ByteArrayInputStream(wire), key, limits)) {
            return r.readAllBytes();
        }
    }

    static Optional<StreamKey> keyOf(StreamOptions options) {
        return options.key();
    }

    /** A record of the wire: [start, end). */
    record Span(int start, int end) {
        byte[] of(byte[] wire) {
            return Arrays.copyOfRange(wire, start, end);
        }
    }

    /** The header's span. */
    static Span headerSpan(byte[] wire) {
        int body = Wire.getInt(wire, 10);
        return new Span(0, Wire.HEADER_PREFIX + body + Wire.DIGEST);
    }

    /** The spans of the frames, in order. */
    static List<Span> frames(byte[] wire) {
        List<Span> out = new ArrayList<>();
        int pos = headerSpan(wire).end();
        while (pos < wire.length && wire[pos] == Wire.TYPE_FRAME) {
            int slen = Wire.getInt(wire, pos + 14);
            int end = pos + Wire.FRAME_HEAD + slen + Wire.FRAME_TAIL;
            out.add(new Span(pos, end));
            pos = end;
        }
        return out;
    }

    static Span trailerSpan(byte[] wire) {
        return new Span(wire.length - 1 - Wire.TRAILER_BODY, wire.length);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A plain frame record built by hand, with a correct CRC-32C and the given digest. */
    static byte[] frameRecord(int codec, long seq, int ulen, byte[] stored, byte[] digest) {
        byte[] r = new byte[Wire.FRAME_HEAD + stored.length + Wire.FRAME_TAIL];
        r[0] = (byte) Wire.TYPE_FRAME;
        r[1] = (byte) codec;
        Wire.putLong(r, 2, seq);
        Wire.putInt(r, 10, ulen);
        Wire.putInt(r, 14, stored.length);
        System.arraycopy(stored, 0, r, Wire.FRAME_HEAD, stored.length);
        System.arraycopy(digest, 0, r, Wire.FRAME_HEAD + stored.length, Wire.DIGEST);
        CRC32C crc = new CRC32C();
        crc.update(r, 0, r.length - 4);
        Wire.putInt(r, r.length - 4, (int) crc.getValue());
        return r;
    }

    /** Re-computes the header's SHA-256 after a field was changed in place. */
    static void resealHeader(byte[] wire) {
        Span h = headerSpan(wire);
        java.security.MessageDigest md = Digests.sha256();
        md.update(wire, 0, h.end() - Wire.DIGEST);
        System.arraycopy(md.digest(), 0, wire, h.end() - Wire.DIGEST, Wire.DIGEST);
    }

    /** An input that serves {@code prefix} and then fails the test if read further. */
    static InputStream thenFail(byte[] prefix) {
        return new InputStream() {
            private int pos;

            @Override
            public int read() {
                if (pos >= prefix.length) {
                    throw new AssertionError("read past byte " + prefix.length);
                }
                return prefix[pos++] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (len == 0) {
                    return 0;
                }
                if (pos >= prefix.length) {
                    throw new AssertionError("read past byte " + prefix.length + " (asked for " + len + " bytes)");
                }
                int n = Math.min(len, prefix.length - pos);
                System.arraycopy(prefix, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }
}
