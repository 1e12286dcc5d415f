package io.snapferry.stream;

/**
 * How each frame's payload is compressed. The stream header names one; any single frame may still
 * be stored raw when compressing it did not make it smaller (already-compressed data).
 */
public enum Compression {
    NONE(0),
    /** lz4 block format through lz4-java. */
    LZ4(1),
    /** zstd frames through zstd-jni. */
    ZSTD(2);

    private final int wireId;

    Compression(int wireId) {
        this.wireId = wireId;
    }

    /** The byte that names this compression on the wire. */
    public int wireId() {
        return wireId;
    }

    /** The compression named by {@code id}, or null when the id is unknown. */
    static Compression ofWireId(int id) {
        for (Compression c : values()) {
            if (c.wireId == id) {
                return c;
            }
        }
        return null;
    }
}
