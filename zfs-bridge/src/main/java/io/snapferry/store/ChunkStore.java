package io.snapferry.store;

import com.github.luben.zstd.Zstd;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import net.jpountz.lz4.LZ4Factory;

/**
 * The pool's content-addressed chunk files: {@code chunks/<first two hex digits>/<sha256 hex>},
 * each holding a small header and the (compressed) bytes. A chunk is written once, atomically,
 * and never changed; only garbage collection removes it.
 *
 * <p>The {@link Indexes#chunks() chunk index} says which chunks exist without a file-system
 * lookup. It is kept a subset of the files: a chunk is added to it after its file is durable and
 * removed from it before its file is deleted, so an index hit always means the file is there.
 * Thread-safe: concurrent writers of the same chunk both write a temp file and the rename makes
 * one of them win, with identical contents.
 */
final class ChunkStore {
    static final int MAGIC = 0x5346434b; // "SFCK"
    static final int HEADER = 9;
    static final int MAX_CHUNK = 16 * 1024 * 1024;
    static final byte RAW = 0;
    static final byte ZSTD = 1;
    static final byte LZ4 = 2;

    /** A chunk as stored: codec, raw length and the stored payload. */
    record Encoded(byte codec, int rawLength, byte[] payload) {
    }

    private final Path root;
    private final Indexes indexes;
    private final StoreOptions.Compression compression;
    private final java.util.Set<Path> knownDirs = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final LongAdder stored = new LongAdder();
    private final LongAdder deduplicated = new LongAdder();

    ChunkStore(Path root, Indexes indexes, StoreOptions.Compression compression) throws IOException {
        this.root = root;
        this.indexes = indexes;
        this.compression = compression;
        Files.createDirectories(root);
    }

    Path root() {
        return root;
    }

    Path path(byte[] hash) {
        String hex = HexFormat.of().formatHex(hash);
        return root.resolve(hex.substring(0, 2)).resolve(hex);
    }

    long storedCount() {
        return stored.sum();
    }

    long deduplicatedCount() {
        return deduplicated.sum();
    }

    boolean has(byte[] hash) {
        if (indexes.chunks().containsKey(hash)) {
            return true;
        }
        Path p = path(hash);
        try {
            long size = Files.size(p);
            index(hash, size);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The size of a chunk's file (header and stored payload): from the index, else a stat. NOT_FOUND when missing. */
    long storedSize(byte[] hash) throws IOException {
        Long size = indexes.chunks().get(hash);
        if (size != null) {
            return size;
        }
        try {
            long s = Files.size(path(hash));
            index(hash, s);
            return s;
        } catch (NoSuchFileException e) {
            throw new DatasetException(ErrorCode.NOT_FOUND, "chunk " + HexFormat.of().formatHex(hash) + " is missing from the store");
        }
    }

    private record Pending(Path tmp, long size) {
    }

    /** Adds to the index; a full index only costs later lookups a stat, so that is not an error. */
    private void index(byte[] hash, long size) {
        try {
            indexes.chunks().put(hash, size);
        } catch (IllegalStateException | IllegalArgumentException full) {
            // past the map's capacity: has() falls back to the file system for this chunk
        }
    }

    /** Starts a batch of new chunks, made durable together (see {@link Batch}). */
    Batch batch() {
        return new Batch();
    }

    /**
     * New chunks of one operation. Each is written to a temp file beside its final place without an
     * fsync; {@link #flush()} makes them all durable with one {@code syncfs}, then renames them
     * into place and flushes again, so a chunk file under its final name is always complete. A
     * batch flushes itself every {@value #BATCH_CHUNKS} chunks or {@value #BATCH_BYTES} bytes.
     * Used by one thread; {@link #close()} flushes what is pending (so chunks of a failed receive
     * are kept for its re-run) and never throws.
     */
    final class Batch implements AutoCloseable {
        static final int BATCH_CHUNKS = 16384;
        static final long BATCH_BYTES = 256L << 20;
        private final java.util.Map<ByteBuffer, Pending> pending = new java.util.LinkedHashMap<>();
        private long pendingBytes;

        boolean has(byte[] hash) {
            return pending.containsKey(ByteBuffer.wrap(hash)) || ChunkStore.this.has(hash);
        }

        /** Stores raw bytes under their hash (which the caller computed). True when newly stored. */
        boolean put(byte[] hash, byte[] data, int off, int len) throws IOException {
            if (has(hash)) {
                deduplicated.increment();
                return false;
            }
            write(hash, encode(data, off, len));
            return true;
        }

        /** Stores an already encoded chunk whose contents the caller has checked. True when newly stored. */
        boolean putEncoded(byte[] hash, Encoded e) throws IOException {
            if (has(hash)) {
                deduplicated.increment();
                return false;
            }
            write(hash, e);
            return true;
        }

        private void write(byte[] hash, Encoded e) throws IOException {
            Path p = path(hash);
            if (knownDirs.add(p.getParent())) {
                Files.createDirectories(p.getParent());
            }
            Path tmp = Durable.tempSibling(p);
            ByteBuffer head = ByteBuffer.allocate(HEADER).putInt(MAGIC).put(e.codec()).putInt(e.rawLength()).flip();
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp,
                    java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
                ByteBuffer body = ByteBuffer.wrap(e.payload());
                while (head.hasRemaining() || body.hasRemaining()) {
                    ch.write(new ByteBuffer[] {head, body});
                }
            }
            pending.put(ByteBuffer.wrap(hash.clone()), new Pending(tmp, HEADER + e.payload().length));
            pendingBytes += HEADER + e.payload().length;
            stored.increment();
            if (pending.size() >= BATCH_CHUNKS || pendingBytes >= BATCH_BYTES) {
                flush();
            }
        }

        /** Makes every pending chunk durable and visible. */
        void flush() throws IOException {
            if (pending.isEmpty()) {
                return;
            }
            if (!NativeFs.syncfs(root)) {
                for (Pending tmp : pending.values()) {
                    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp.tmp(), java.nio.file.StandardOpenOption.WRITE)) {
                        ch.force(true);
                    }
                }
            }
            java.util.Set<Path> dirs = new java.util.HashSet<>();
            for (java.util.Map.Entry<ByteBuffer, Pending> e : pending.entrySet()) {
                byte[] hash = e.getKey().array();
                Path p = path(hash);
                Durable.moveAtomic(e.getValue().tmp(), p);
                dirs.add(p.getParent());
                index(hash, e.getValue().size());
            }
            if (!NativeFs.syncfs(root)) {
                for (Path d : dirs) {
                    Durable.fsyncDir(d);
                }
            }
            pending.clear();
            pendingBytes = 0;
        }

        @Override
        public void close() {
            try {
                flush();
            } catch (IOException | RuntimeException e) {
                for (Pending tmp : pending.values()) {
                    try {
                        Files.deleteIfExists(tmp.tmp());
                    } catch (IOException ignored) {
                        // removed at the next open
                    }
                }
                pending.clear();
            }
        }
    }

    Encoded encode(byte[] data, int off, int len) {
        byte[] out;
        byte codec;
        switch (compression) {
            case ZSTD -> {
                byte[] dst = new byte[(int) Zstd.compressBound(len)];
                long n = Zstd.compressByteArray(dst, 0, dst.length, data, off, len, 1);
                if (Zstd.isError(n)) {
                    throw new IllegalStateException("zstd: " + Zstd.getErrorName(n));
                }
                out = java.util.Arrays.copyOf(dst, (int) n);
                codec = ZSTD;
            }
            case LZ4 -> {
                out = LZ4Factory.fastestInstance().fastCompressor().compress(data, off, len);
                codec = LZ4;
            }
            default -> {
                out = null;
                codec = RAW;
            }
        }
        if (out == null || out.length >= len) {
            return new Encoded(RAW, len, java.util.Arrays.copyOfRange(data, off, off + len));
        }
        return new Encoded(codec, len, out);
    }

    /** The stored form of a chunk; NOT_FOUND when missing, CORRUPT_STREAM when its header is bad. */
    Encoded readEncoded(byte[] hash) throws IOException {
        byte[] all;
        try {
            all = Files.readAllBytes(path(hash));
        } catch (NoSuchFileException e) {
            throw new DatasetException(ErrorCode.NOT_FOUND, "chunk " + HexFormat.of().formatHex(hash) + " is missing from the store");
        }
        ByteBuffer b = ByteBuffer.wrap(all);
        if (all.length < HEADER || b.getInt() != MAGIC) {
            throw new DatasetException(ErrorCode.CORRUPT_STREAM, "chunk " + HexFormat.of().formatHex(hash) + " has a damaged header");
        }
        byte codec = b.get();
        int raw = b.getInt();
        if (raw < 0 || raw > MAX_CHUNK || codec < RAW || codec > LZ4) {
            throw new DatasetException(ErrorCode.CORRUPT_STREAM, "chunk " + HexFormat.of().formatHex(hash) + " has a damaged header");
        }
        return new Encoded(codec, raw, java.util.Arrays.copyOfRange(all, HEADER, all.length));
    }

    /** The raw bytes of a chunk, checked against its hash. */
    byte[] read(byte[] hash) throws IOException {
        byte[] raw = decode(readEncoded(hash));
        if (!MessageDigest.isEqual(Manifest.sha256().digest(raw), hash)) {
            throw new DatasetException(ErrorCode.CORRUPT_STREAM, "chunk " + HexFormat.of().formatHex(hash)
                    + " does not match its hash: the store is damaged (run verify)");
        }
        return raw;
    }

    /** Decompresses; CORRUPT_STREAM when the payload does not decode to exactly rawLength bytes. */
    static byte[] decode(Encoded e) {
        if (e.rawLength() < 0 || e.rawLength() > MAX_CHUNK) {
            throw new DatasetException(ErrorCode.CORRUPT_STREAM, "chunk length " + e.rawLength() + " is out of range");
        }
        try {
            switch (e.codec()) {
                case RAW -> {
                    if (e.payload().length != e.rawLength()) {
                        throw new DatasetException(ErrorCode.CORRUPT_STREAM, "raw chunk has the wrong length");
                    }
                    return e.payload();
                }
                case ZSTD -> {
                    byte[] out = new byte[e.rawLength()];
                    long n = Zstd.decompressByteArray(out, 0, out.length, e.payload(), 0, e.payload().length);
                    if (Zstd.isError(n) || n != out.length) {
                        throw new DatasetException(ErrorCode.CORRUPT_STREAM, "zstd chunk does not decompress");
                    }
                    return out;
                }
                case LZ4 -> {
                    byte[] out = new byte[e.rawLength()];
                    int n = LZ4Factory.fastestInstance().safeDecompressor()
                            .decompress(e.payload(), 0, e.payload().length, out, 0, out.length);
                    if (n != out.length) {
                        throw new DatasetException(ErrorCode.CORRUPT_STREAM, "lz4 chunk has the wrong length");
                    }
                    return out;
                }
                default -> throw new DatasetException(ErrorCode.CORRUPT_STREAM, "unknown chunk codec " + e.codec());
            }
        } catch (DatasetException x) {
            throw x;
        } catch (RuntimeException x) {
            throw new DatasetException(ErrorCode.CORRUPT_STREAM, "chunk does not decompress: " + x.getMessage(), x);
        }
    }

    /** Removes a chunk: first from the index, then its file. */
    long delete(byte[] hash) throws IOException {
        indexes.chunks().remove(hash);
        Path p = path(hash);
        long size;
        try {
            size = Files.size(p);
        } catch (NoSuchFileException e) {
            return 0;
        }
        Files.deleteIfExists(p);
        return size;
    }

    /** Calls {@code each} with every stored chunk's hash; removes stray temp files older than a run. */
    void forEach(Consumer<byte[]> each) throws IOException {
        HexFormat hex = HexFormat.of();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path d : dirs) {
                if (!Files.isDirectory(d)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(d)) {
                    for (Path f : files) {
                        String name = f.getFileName().toString();
                        if (name.length() == 64 && name.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                            each.accept(hex.parseHex(name));
                        }
                    }
                }
            }
        }
    }

    /** Deletes temp files left by a crash (only safe when no writer runs: at open). */
    void removeTempFiles() throws IOException {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path d : dirs) {
                if (!Files.isDirectory(d)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(d, ".tmp-*")) {
                    for (Path f : files) {
                        Files.deleteIfExists(f);
                    }
                }
            }
        }
    }

    /** Rebuilds the chunk index from the files. */
    void rebuildIndex() throws IOException {
        indexes.chunks().clear();
        forEach(h -> {
            try {
                index(h, Files.size(path(h)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
