package io.snapferry.stream;

import java.nio.charset.StandardCharsets;

/** Constants and byte helpers of the wire format (docs/stream-format.md). */
final class Wire {
    private Wire() {
    }

    static final byte[] MAGIC = "SNAPFERY".getBytes(StandardCharsets.US_ASCII);
    static final byte[] END_MARKER = "FERRYEND".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    /** magic, version, body length. */
    static final int HEADER_PREFIX = 8 + 2 + 4;
    static final int MAX_HEADER_BODY = 2048;
    static final int DIGEST = 32;
    static final int SALT = 32;
    static final int GCM_TAG = 16;
    static final int STREAM_ID = 16;

    static final int TYPE_FRAME = 0x46; // 'F'
    static final int TYPE_TRAILER = 0x54; // 'T'
    /** type, codec, seq, uncompressed length, stored length. */
    static final int FRAME_HEAD = 1 + 1 + 8 + 4 + 4;
    /** digest, crc32c. */
    static final int FRAME_TAIL = DIGEST + 4;
    /** after the type byte: frame count, payload bytes, digest, crc32c, end marker. */
    static final int TRAILER_BODY = 8 + 8 + DIGEST + 4 + 8;

    static void putLong(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }

    static int getInt(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    static int getShort(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }
}
