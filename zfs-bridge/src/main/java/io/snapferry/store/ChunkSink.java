package io.snapferry.store;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Where a {@link TreeScanner} sends the chunks it cuts: each is hashed, checked for being a hole
 * (all zeros) and, when the pool lacks it, stored in a {@link ChunkStore.Batch}. A submitted
 * chunk's {@link Slot} names it once {@link #drain()} has returned. Used by one thread (the
 * scanner's); an implementation may do the work on others ({@link ChunkPipeline}).
 */
interface ChunkSink {
    /**
     * Takes the chunk {@code b[off, off + len)}; the caller may reuse {@code b} as soon as this
     * returns. May block while earlier chunks are being processed (memory is bounded), and throws
     * the failure of earlier work, if any.
     */
    Slot submit(byte[] b, int off, int len) throws IOException;

    /**
     * Waits until every chunk submitted so far is hashed and, if new, appended to the batch (not
     * yet durable: the batch's flush does that); then every slot is resolved. Throws the first
     * failure of the work.
     */
    void drain() throws IOException;

    /** Chunks stored anew so far. */
    long chunksNew();

    /** Chunks found already stored (in the pool or earlier in this batch) so far. */
    long chunksPresent();

    /** A submitted chunk: what it turned into, readable after {@link #drain()}. */
    final class Slot {
        private final int length;
        private volatile ChunkRef ref;

        Slot(int length) {
            this.length = length;
        }

        int length() {
            return length;
        }

        void resolve(ChunkRef r) {
            ref = r;
        }

        /** The chunk's reference; IllegalStateException before the sink resolved it. */
        ChunkRef ref() {
            ChunkRef r = ref;
            if (r == null) {
                throw new IllegalStateException("chunk not processed yet: drain the sink first");
            }
            return r;
        }
    }

    /** Whether {@code b[off, off + len)} is all zeros; {@code zeros} holds at least {@code len} zero bytes. */
    static boolean isHole(byte[] b, int off, int len, byte[] zeros) {
        return Arrays.mismatch(b, off, off + len, zeros, 0, len) < 0;
    }

    /** Does the work on the calling thread, chunk by chunk (a stored ZFS stream uses it). */
    static ChunkSink direct(ChunkStore.Batch batch, int maxChunk) {
        return new ChunkSink() {
            private final MessageDigest sha = Manifest.sha256();
            private final byte[] zeros = new byte[maxChunk];
            private long stored;
            private long present;

            @Override
            public Slot submit(byte[] b, int off, int len) throws IOException {
                Slot s = new Slot(len);
                if (isHole(b, off, len, zeros)) {
                    s.resolve(ChunkRef.hole(len));
                    return s;
                }
                sha.update(b, off, len);
                byte[] hash = sha.digest();
                if (batch.put(hash, b, off, len)) {
                    stored++;
                } else {
                    present++;
                }
                s.resolve(new ChunkRef(hash, len, false));
                return s;
            }

            @Override
            public void drain() {
                // every chunk was handled in submit
            }

            @Override
            public long chunksNew() {
                return stored;
            }

            @Override
            public long chunksPresent() {
                return present;
            }
        };
    }
}
