package io.snapferry.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.openhft.chronicle.map.ChronicleMap;

/**
 * The pool's Chronicle Map indexes, both rebuildable from the files (the files are the truth):
 * <ul>
 *   <li>{@code chunk-locations.cmap}: SHA-256 (32 bytes) to where the chunk is: pack id and offset,
 *       or {@link ChunkStore#LOOSE} for a legacy chunk file (see {@link ChunkStore}). It names only
 *       durable chunks. (Stores written before packs had {@code chunks.cmap}, chunk file sizes; it is
 *       deleted and the new index rebuilt.)</li>
 *   <li>{@code files.cmap}: the file-change cache, (dataset GUID, path) to what a file looked like
 *       when its contents were last read (see {@link FileCache}).</li>
 * </ul>
 * A {@code clean} marker is written on {@link #close()} and removed at open, so after a crash (or
 * when the files were deleted) {@link #opened()} reports that the indexes must be rebuilt: the maps
 * are then recreated empty rather than trusted. {@link #markIncomplete()} (an entry did not fit)
 * withholds the marker, so the next open rebuilds.
 */
final class Indexes implements AutoCloseable {
    private final Path dir;
    private final ChronicleMap<byte[], Long> chunks;
    private final ChronicleMap<byte[], byte[]> files;
    private final boolean needRebuild;
    private volatile boolean incomplete;

    Indexes(Path dir, long chunkEntries, long fileEntries) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        Path clean = dir.resolve("clean");
        Path chunkFile = dir.resolve("chunk-locations.cmap");
        Files.deleteIfExists(dir.resolve("chunks.cmap"));
        Path fileFile = dir.resolve("files.cmap");
        boolean wasClean = Files.exists(clean) && Files.exists(chunkFile) && Files.exists(fileFile);
        if (!wasClean) {
            Files.deleteIfExists(chunkFile);
            Files.deleteIfExists(fileFile);
        }
        Files.deleteIfExists(clean);
        Durable.fsyncDir(dir);
        this.needRebuild = !wasClean;
        this.chunks = ChronicleMap.of(byte[].class, Long.class)
                .name("snapferry-chunks")
                .constantKeySizeBySample(new byte[32])
                .entries(chunkEntries)
                .maxBloatFactor(8)
                .createPersistedTo(chunkFile.toFile());
        ChronicleMap<byte[], byte[]> f;
        try {
            f = ChronicleMap.of(byte[].class, byte[].class)
                    .name("snapferry-files")
                    .averageKeySize(48)
                    .averageValueSize(96)
                    .entries(fileEntries)
                    .maxBloatFactor(8)
                    .createPersistedTo(fileFile.toFile());
        } catch (IOException | RuntimeException e) {
            chunks.close();
            throw e;
        }
        this.files = f;
    }

    /** True when the maps were recreated empty and the caller must rebuild them from the files. */
    boolean needsRebuild() {
        return needRebuild;
    }

    /** Some entry lives outside the maps (they were full): the next open must rebuild. */
    void markIncomplete() {
        incomplete = true;
    }

    ChronicleMap<byte[], Long> chunks() {
        return chunks;
    }

    ChronicleMap<byte[], byte[]> files() {
        return files;
    }

    /** Closes the maps without the clean marker, as a crash leaves them. */
    void abandon() {
        chunks.close();
        files.close();
    }

    @Override
    public void close() throws IOException {
        chunks.close();
        files.close();
        if (!incomplete) {
            Durable.write(dir.resolve("clean"), new byte[0]);
        }
    }
}
