package io.snapferry.store;

import java.time.Duration;
import java.util.Objects;

/**
 * Tuning of an {@link EmbeddedStore}.
 *
 * @param chunkMin     smallest content-defined chunk (except a file's last)
 * @param chunkAvg     target average chunk size, a power of two
 * @param chunkMax     largest chunk
 * @param compression  how new chunks are compressed
 * @param gcGrace      garbage collection leaves a pack modified more recently than this whole, so chunks of
 *                     an interrupted receive survive until it is re-run
 * @param indexEntries how many entries the Chronicle Map indexes are sized for (they grow up to 8
 *                     times beyond; past that, entries are kept in memory and
 *                     the index is rebuilt at the next open)
 */
public record StoreOptions(int chunkMin, int chunkAvg, int chunkMax, Compression compression, Duration gcGrace,
                           long indexEntries) {

    /** Compression of stored chunks; a chunk that does not shrink is stored raw. */
    public enum Compression { ZSTD, LZ4, NONE }

    public StoreOptions {
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(gcGrace, "gcGrace");
        new Chunker(chunkMin, chunkAvg, chunkMax); // validates
        if (chunkMax > ChunkStore.MAX_CHUNK) {
            throw new IllegalArgumentException("chunkMax above " + ChunkStore.MAX_CHUNK);
        }
        if (indexEntries < 1000) {
            throw new IllegalArgumentException("indexEntries below 1000");
        }
    }

    /** 256 KiB / 1 MiB / 4 MiB chunks, zstd, one day of grace, indexes for a million entries. */
    public static StoreOptions defaults() {
        return new StoreOptions(256 * 1024, 1 << 20, 4 << 20, Compression.ZSTD, Duration.ofDays(1), 1_000_000);
    }

    public StoreOptions withChunkSizes(int min, int avg, int max) {
        return new StoreOptions(min, avg, max, compression, gcGrace, indexEntries);
    }

    public StoreOptions withCompression(Compression c) {
        return new StoreOptions(chunkMin, chunkAvg, chunkMax, c, gcGrace, indexEntries);
    }

    public StoreOptions withGcGrace(Duration grace) {
        return new StoreOptions(chunkMin, chunkAvg, chunkMax, compression, grace, indexEntries);
    }

    public StoreOptions withIndexEntries(long entries) {
        return new StoreOptions(chunkMin, chunkAvg, chunkMax, compression, gcGrace, entries);
    }
}
