package io.snapferry.store;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One piece of a file's contents: the SHA-256 of its raw bytes and their length, or a hole (a run
 * of zero bytes that is not stored at all; its hash is all zeros).
 */
record ChunkRef(byte[] hash, int length, boolean hole) {
    static final byte[] NO_HASH = new byte[32];

    ChunkRef {
        if (hash.length != 32) {
            throw new IllegalArgumentException("a chunk hash has 32 bytes, not " + hash.length);
        }
        if (length < 0) {
            throw new IllegalArgumentException("negative chunk length");
        }
    }

    static ChunkRef hole(int length) {
        return new ChunkRef(NO_HASH, length, true);
    }

    String hex() {
        return HexFormat.of().formatHex(hash);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChunkRef c && c.length == length && c.hole == hole && Arrays.equals(c.hash, hash);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(hash) * 31 + length;
    }

    @Override
    public String toString() {
        return hole ? "hole(" + length + ")" : hex().substring(0, 12) + "(" + length + ")";
    }
}
