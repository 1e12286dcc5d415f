package io.snapferry.store;

import com.github.luben.zstd.Zstd;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32C;
import net.jpountz.lz4.LZ4Factory;

/**
 * The pool's content-addressed chunks, appended to pack files {@code chunks/packs/<id>.pack} (format
 * in DESIGN.md, "Chunks"). Every pack entry carries its SHA-256, codec, lengths and a CRC32C, so
 * the {@link Indexes#chunks() chunk index} (SHA-256 to pack and offset) can be rebuilt by scanning
 * the packs. Chunk files of stores written before packs ({@code chunks/<2 hex>/<64 hex>}) are still
 * read, collected and verified; new chunks always go to packs.
 *
 * <p>A pack is appended to only by the process that created it, by one {@link Batch} at a time;
 * after a restart every existing pack is read-only, so a torn tail left by a crash is never
 * written after. An entry enters the index only once its pack has been fsynced, so an index hit
 * always names durable bytes. Thread-safe: batches of concurrent operations use different packs;
 * readers use positional reads on shared channels.
 */
final class ChunkStore implements AutoCloseable {
    static final int MAGIC = 0x5346434b; // "SFCK": legacy chunk files
    static final int HEADER = 9;
    static final int PACK_MAGIC = 0x5346504b; // "SFPK"
    static final int PACK_VERSION = 1;
    static final int PACK_HEADER = 8;
    static final int ENTRY_MAGIC = 0x53465045; // "SFPE"
    /** magic, sha256, codec, raw length, stored length. */
    static final int ENTRY_HEADER = 4 + 32 + 1 + 4 + 4;
    static final int ENTRY_TRAILER = 4; // CRC32C of header and payload
    static final int MAX_CHUNK = 16 * 1024 * 1024;
    /** The stored form of a chunk never exceeds this (an incompressible chunk is stored raw). */
    static final int MAX_STORED = MAX_CHUNK + 1024;
    /** A pack takes no more appends once it is this large. */
    static final long PACK_TARGET = 256L << 20;
    /** Index value of a chunk kept in a legacy chunk file. */
    static final long LOOSE = -1L;
    static final byte RAW = 0;
    static final byte ZSTD = 1;
    static final byte LZ4 = 2;

    /** A chunk as stored: codec, raw length and the stored payload. */
    record Encoded(byte codec, int rawLength, byte[] payload) {
    }

    /** One entry found by scanning a pack. */
    record PackEntry(int pack, long offset, byte[] hash, int storedLength, boolean intact) {
        long location() {
            return ChunkStore.location(pack, offset);
        }

        long size() {
            return ENTRY_HEADER + storedLength + ENTRY_TRAILER;
        }
    }

    /** What scanning a pack found: its entries, and where the readable part ends. */
    record PackScan(int pack, long fileSize, long validEnd, List<PackEntry> entries) {
    }

    private final Path root;
    private final Path packs;
    private final Indexes indexes;
    private final StoreOptions.Compression compression;
    private final AtomicInteger nextPack = new AtomicInteger();
    /** Packs created by this process that still take appends and no batch is using. */
    private final ArrayDeque<PackWriter> idle = new ArrayDeque<>();
    private final Map<Integer, FileChannel> readers = new ConcurrentHashMap<>();
    /** Index entries the Chronicle Map had no room for; the index is then rebuilt at the next open. */
    private final Map<ByteBuffer, Long> overflow = new ConcurrentHashMap<>();
    /** Runs batches' background fdatasyncs ({@link Batch#startWriteback()}); its thread ends when idle. */
    private final java.util.concurrent.ThreadPoolExecutor writeback = new java.util.concurrent.ThreadPoolExecutor(0, 1, 5,
            java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "snapferry-store-writeback");
                t.setDaemon(true);
                return t;
            });
    private final LongAdder stored = new LongAdder();
    private final LongAdder deduplicated = new LongAdder();

    ChunkStore(Path root, Indexes indexes, StoreOptions.Compression compression) throws IOException {
        this.root = root;
        this.packs = root.resolve("packs");
        this.indexes = indexes;
        this.compression = compression;
        Files.createDirectories(packs);
        int max = 0;
        for (int id : packIds()) {
            max = Math.max(max, id);
        }
        nextPack.set(max + 1);
    }

    Path root() {
        return root;
    }

    /** A legacy chunk file's path. */
    Path path(byte[] hash) {
        String hex = HexFormat.of().formatHex(hash);
        return root.resolve(hex.substring(0, 2)).resolve(hex);
    }

    Path packPath(int id) {
        return packs.resolve(String.format("%08x.pack", id));
    }

    static long location(int pack, long offset) {
        return ((long) pack << 32) | offset;
    }

    static int packOf(long location) {
        return (int) (location >>> 32);
    }

    static long offsetOf(long location) {
        return location & 0xffffffffL;
    }

    long storedCount() {
        return stored.sum();
    }

    long deduplicatedCount() {
        return deduplicated.sum();
    }

    /** Counts a chunk found already stored without going through a batch (a pipeline worker's index hit). */
    void countDeduplicated() {
        deduplicated.increment();
    }

    /** Where a chunk is: a pack location, {@link #LOOSE}, or null when the store does not have it. */
    Long locate(byte[] hash) {
        Long l = indexes.chunks().get(hash);
        return l != null ? l : overflow.get(ByteBuffer.wrap(hash));
    }

    boolean has(byte[] hash) {
        return indexes.chunks().containsKey(hash) || !overflow.isEmpty() && overflow.containsKey(ByteBuffer.wrap(hash));
    }

    /**
     * The length of a chunk's stored payload (compressed or raw, as a send carries it): read from
     * its pack entry's header (or a legacy chunk file's size). NOT_FOUND when missing.
     */
    long storedPayloadLength(byte[] hash) throws IOException {
        Long loc = locate(hash);
        if (loc == null) {
            throw new DatasetException(ErrorCode.NOT_FOUND, "chunk " + HexFormat.of().formatHex(hash) + " is missing from the store");
        }
        if (loc == LOOSE) {
            try {
                return Files.size(path(hash)) - HEADER;
            } catch (NoSuchFileException e) {
                throw new DatasetException(ErrorCode.NOT_FOUND, "chunk " + HexFormat.of().formatHex(hash) + " is missing from the store");
            }
        }
        ByteBuffer h = ByteBuffer.allocate(ENTRY_HEADER);
        try {
            readFully(reader(packOf(loc)), h, offsetOf(loc));
        } catch (java.io.EOFException e) {
            throw damaged(hash, "lies past the end of its pack");
        }
        int len = h.getInt(ENTRY_HEADER - 4);
        if (h.getInt(0) != ENTRY_MAGIC || len < 0 || len > MAX_STORED) {
            throw damaged(hash, "has a damaged pack entry header");
        }
        return len;
    }

    private void index(byte[] hash, long location) {
        try {
            indexes.chunks().put(hash, location);
        } catch (IllegalStateException | IllegalArgumentException full) {
            // past the map's capacity: kept in memory, and the index is rebuilt at the next open
            overflow.put(ByteBuffer.wrap(hash.clone()), location);
            indexes.markIncomplete();
        }
    }

    private void unindex(byte[] hash) {
        indexes.chunks().remove(hash);
        if (!overflow.isEmpty()) {
            overflow.remove(ByteBuffer.wrap(hash));
        }
    }

    /** Removes a chunk from the index if it still points at {@code location} (its bytes stay until GC rewrites the pack). */
    boolean unindex(byte[] hash, long location) {
        Long now = locate(hash);
        if (now != null && now == location) {
            unindex(hash);
            return true;
        }
        return false;
    }

    /** Calls {@code each} with every indexed chunk's hash and location. */
    void forEachIndexed(java.util.function.BiConsumer<byte[], Long> each) {
        indexes.chunks().forEach(each);
        overflow.forEach((k, v) -> each.accept(k.array(), v));
    }

    /** The number of indexed chunks. */
    long indexedCount() {
        return indexes.chunks().longSize() + overflow.size();
    }

    // ---------------------------------------------------------------- writing

    /** A pack open for appending. */
    private final class PackWriter {
        final int id;
        final FileChannel ch;
        long end;
        /** The end up to which the pack is known durable. */
        long durable;
        boolean created;
        boolean broken;

        PackWriter(int id, FileChannel ch, long end, boolean created) {
            this.id = id;
            this.ch = ch;
            this.end = end;
            this.durable = created ? 0 : end;
            this.created = created;
        }

        boolean full() {
            return broken || end >= PACK_TARGET;
        }

        void closeQuietly() {
            try {
                ch.close();
            } catch (IOException ignored) {
                // read-only from now on
            }
        }
    }

    private PackWriter newPack() throws IOException {
        int id = nextPack.getAndIncrement();
        Path p = packPath(id);
        FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
        ByteBuffer h = ByteBuffer.allocate(PACK_HEADER).putInt(PACK_MAGIC).putInt(PACK_VERSION).flip();
        while (h.hasRemaining()) {
            ch.write(h, h.position());
        }
        return new PackWriter(id, ch, PACK_HEADER, true);
    }

    private PackWriter takePack() throws IOException {
        synchronized (idle) {
            PackWriter w = idle.poll();
            if (w != null) {
                return w;
            }
        }
        return newPack();
    }

    private void giveBack(PackWriter w) {
        if (w.full()) {
            w.closeQuietly();
            return;
        }
        synchronized (idle) {
            idle.add(w);
        }
    }

    /** Stops appending to every idle pack (garbage collection calls this before it rewrites packs). */
    void retireIdlePacks() {
        synchronized (idle) {
            for (PackWriter w : idle) {
                w.closeQuietly();
            }
            idle.clear();
        }
    }

    /** Starts a batch of new chunks, made durable together (see {@link Batch}). */
    Batch batch() {
        return new Batch();
    }

    /**
     * New chunks of one operation, appended to one pack at a time without an fsync; {@link #flush()}
     * fsyncs the packs written (and the pack directory when a pack was created), then adds the new
     * chunks to the index. A manifest naming them may be committed only after a flush. A batch
     * flushes itself every {@value #BATCH_BYTES} bytes. Used by one thread; {@link #close()}
     * flushes what is pending (so chunks of a failed receive are kept for its re-run) and never
     * throws.
     */
    final class Batch implements AutoCloseable {
        static final long BATCH_BYTES = 256L << 20;
        /** Bytes appended between background writebacks (see {@link #startWriteback()}). */
        static final long WRITEBACK = 32L << 20;
        private long unsynced;
        private java.util.concurrent.CompletableFuture<Void> syncing;
        /** The pack {@link #syncing} syncs. */
        private PackWriter syncingPack;
        /** The first failure of a background fdatasync: this batch can no longer be made durable. */
        private IOException writebackFailure;
        private final Map<ByteBuffer, Long> pending = new LinkedHashMap<>();
        private final List<PackWriter> written = new ArrayList<>();
        private PackWriter pack;
        private long pendingBytes;
        private boolean createdPack;
        private final ByteBuffer head = ByteBuffer.allocate(ENTRY_HEADER);
        private final ByteBuffer tail = ByteBuffer.allocate(ENTRY_TRAILER);
        /** Entries not yet written to {@link #pack}: they start at {@link #stagedFrom} in it. */
        private ByteBuffer stage;
        private long stagedFrom;

        boolean has(byte[] hash) {
            return pending.containsKey(ByteBuffer.wrap(hash)) || ChunkStore.this.has(hash);
        }

        /** Stores raw bytes under their hash (which the caller computed). True when newly stored. */
        boolean put(byte[] hash, byte[] data, int off, int len) throws IOException {
            if (has(hash)) {
                deduplicated.increment();
                return false;
            }
            append(hash, encode(data, off, len));
            return true;
        }

        /** Stores an already encoded chunk whose contents the caller has checked. True when newly stored. */
        boolean putEncoded(byte[] hash, Encoded e) throws IOException {
            if (has(hash)) {
                deduplicated.increment();
                return false;
            }
            append(hash, e);
            return true;
        }

        /**
         * Stores a chunk a {@link ChunkPipeline} worker already encoded, with the CRC32C of its entry
         * ({@link #entryCrc}). True when newly stored; false when this batch or the index has it.
         */
        boolean putPrepared(byte[] hash, Encoded e, int crc) throws IOException {
            if (has(hash)) {
                deduplicated.increment();
                return false;
            }
            append(hash, e, crc);
            return true;
        }

        /** Copies a chunk into this batch's pack even though it is indexed elsewhere (garbage collection's rewrite). */
        void copy(byte[] hash, Encoded e) throws IOException {
            append(hash, e);
        }

        /** Writes the staged entries to the current pack. */
        private void drain() throws IOException {
            if (stage == null || stage.position() == 0) {
                return;
            }
            stage.flip();
            try {
                while (stage.hasRemaining()) {
                    int n = pack.ch.write(stage, stagedFrom);
                    stagedFrom += n;
                    unsynced += n;
                }
            } catch (IOException x) {
                pack.broken = true;
                throw x;
            } finally {
                stage.clear();
            }
            startWriteback();
        }

        /**
         * Every {@value #WRITEBACK} bytes appended, starts an fdatasync of the current pack on a
         * background thread and goes on appending: the disk writes while this batch produces more,
         * so the flush before a manifest finds little left to write. Only an early start of the
         * writing: entries become durable (and indexed) in {@link #flush()} as before.
         */
        private void startWriteback() {
            if (unsynced < WRITEBACK) {
                return;
            }
            if (syncing != null) {
                if (!syncing.isDone()) {
                    return;
                }
                awaitWriteback();
            }
            unsynced = 0;
            FileChannel ch = pack.ch;
            syncingPack = pack;
            syncing = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    EmbeddedStore.crashPoint("pack-writeback");
                    ch.force(false);
                } catch (IOException e) {
                    throw unchecked(e);
                }
            }, writeback);
        }

        /**
         * Waits for the background fdatasync and keeps its failure, which {@link #flush()} throws:
         * Linux reports a writeback error once per open file, so the flush's own fdatasync on the
         * same channel may succeed after the pages were lost, and must not be trusted alone.
         */
        private void awaitWriteback() {
            if (syncing == null) {
                return;
            }
            try {
                syncing.join();
            } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                if (cause instanceof java.io.UncheckedIOException u) {
                    cause = u.getCause();
                }
                syncingPack.broken = true;
                if (writebackFailure == null) {
                    writebackFailure = new IOException("writing pack " + syncingPack.id + " to disk failed (" + cause.getMessage()
                            + "); the chunks of this batch are not stored: check the disk (dmesg, SMART) and retry", cause);
                }
            }
            syncing = null;
            syncingPack = null;
        }

        private void append(byte[] hash, Encoded e) throws IOException {
            append(hash, e, entryCrc(hash, e));
        }

        private void append(byte[] hash, Encoded e, int crc) throws IOException {
            if (pack == null || pack.full()) {
                if (pack != null) {
                    // full: keep it until the flush makes it durable, then it is closed
                    drain();
                    pack = null;
                }
                pack = takePack();
                createdPack |= pack.created;
                pack.created = false;
                written.add(pack);
                stagedFrom = pack.end;
            }
            if (stage == null) {
                stage = takeStage();
            }
            byte[] payload = e.payload();
            head.clear();
            head.putInt(ENTRY_MAGIC).put(hash).put(e.codec()).putInt(e.rawLength()).putInt(payload.length).flip();
            tail.clear();
            tail.putInt(crc).flip();
            long at = pack.end;
            long want = ENTRY_HEADER + payload.length + ENTRY_TRAILER;
            if (stage.remaining() < want) {
                drain();
            }
            if (stage.remaining() >= want) {
                stage.put(head).put(payload).put(tail);
            } else {
                // larger than the staging buffer: written directly
                ByteBuffer[] parts = {head, ByteBuffer.wrap(payload), tail};
                long done = 0;
                try {
                    pack.ch.position(at);
                    while (done < want) {
                        done += pack.ch.write(parts);
                    }
                } catch (IOException x) {
                    pack.broken = true;
                    throw x;
                }
                stagedFrom = at + want;
            }
            pack.end = at + want;
            pending.put(ByteBuffer.wrap(hash.clone()), location(pack.id, at));
            pendingBytes += want;
            stored.increment();
            if (pendingBytes >= BATCH_BYTES) {
                flush();
            }
        }

        /** Makes every pending chunk durable and visible in the index. */
        void flush() throws IOException {
            if (pending.isEmpty() && written.isEmpty()) {
                return;
            }
            drain();
            awaitWriteback();
            if (writebackFailure != null) {
                throw writebackFailure;
            }
            for (PackWriter w : written) {
                if (w.durable != w.end) {
                    w.ch.force(false);
                    w.durable = w.end;
                }
            }
            if (createdPack) {
                Durable.fsyncDir(packs);
                createdPack = false;
            }
            for (Map.Entry<ByteBuffer, Long> e : pending.entrySet()) {
                index(e.getKey().array(), e.getValue());
            }
            pending.clear();
            pendingBytes = 0;
            for (PackWriter w : written) {
                if (w != pack) {
                    w.closeQuietly();
                }
            }
            written.clear();
            if (pack != null) {
                written.add(pack);
            }
        }

        @Override
        public void close() {
            awaitWriteback();
            try {
                flush();
            } catch (IOException | RuntimeException e) {
                // Nothing pending enters the index; the packs take no more appends (their tails may be torn).
                pending.clear();
                for (PackWriter w : written) {
                    w.broken = true;
                }
            }
            for (PackWriter w : written) {
                if (w != pack) {
                    w.closeQuietly();
                }
            }
            written.clear();
            if (pack != null) {
                if (stage != null && stage.position() > 0) {
                    pack.broken = true; // staged entries never written: nothing may follow them
                }
                giveBack(pack);
                pack = null;
            }
            if (stage != null) {
                stage.clear();
                STAGES.offer(stage);
                stage = null;
            }
        }
    }

    /** The CRC32C a pack entry of {@code e} under {@code hash} ends with: of its header and payload. Thread-safe. */
    static int entryCrc(byte[] hash, Encoded e) {
        byte[] head = ByteBuffer.allocate(ENTRY_HEADER).putInt(ENTRY_MAGIC).put(hash).put(e.codec()).putInt(e.rawLength())
                .putInt(e.payload().length).array();
        CRC32C crc = new CRC32C();
        crc.update(head, 0, ENTRY_HEADER);
        crc.update(e.payload(), 0, e.payload().length);
        return (int) crc.getValue();
    }

    /** Staging buffers for appends (direct, so a write is one copy and one system call per few MiB). */
    static final int STAGE = 4 << 20;
    private static final java.util.concurrent.ConcurrentLinkedQueue<ByteBuffer> STAGES = new java.util.concurrent.ConcurrentLinkedQueue<>();

    private static ByteBuffer takeStage() {
        ByteBuffer b = STAGES.poll();
        return b != null ? b : ByteBuffer.allocateDirect(STAGE);
    }

    /** A zstd context (level 1) and its output buffer, reused: making a context per chunk costs more than compressing. */
    private static final class Compressor {
        final com.github.luben.zstd.ZstdCompressCtx ctx = new com.github.luben.zstd.ZstdCompressCtx().setLevel(1);
        byte[] dst = new byte[0];
    }

    /**
     * Idle zstd contexts, shared by every thread (not thread-local: a snapshot's workers are
     * short-lived threads, and zstd-jni frees a context's native memory only when it is closed).
     * Holds at most as many as ever compressed at once.
     */
    private static final java.util.concurrent.ConcurrentLinkedQueue<Compressor> COMPRESSORS =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** Bytes from the middle of a large chunk compressed first: if they do not shrink, the chunk is stored raw unread by zstd. */
    static final int SAMPLE = 16 * 1024;

    private static boolean shrinks(Compressor z, byte[] data, int off, int len) {
        if (z.dst.length < Zstd.compressBound(len)) {
            z.dst = new byte[(int) Zstd.compressBound(len)];
        }
        return z.ctx.compressByteArray(z.dst, 0, z.dst.length, data, off, len) < len * 31L / 32;
    }

    /** Raw bytes as stored: {@code data} itself when it is exactly the chunk (a pipeline's own copy), else a copy. */
    private static Encoded raw(byte[] data, int off, int len) {
        return new Encoded(RAW, len, off == 0 && len == data.length ? data : java.util.Arrays.copyOfRange(data, off, off + len));
    }

    /**
     * The stored form of raw bytes: compressed when that makes them smaller. Thread-safe. The
     * result may share {@code data} when it spans the whole array; callers must not change it then.
     */
    Encoded encode(byte[] data, int off, int len) {
        byte[] out;
        byte codec;
        switch (compression) {
            case ZSTD -> {
                Compressor polled = COMPRESSORS.poll();
                Compressor z = polled != null ? polled : new Compressor();
                try {
                    if (len >= 4 * SAMPLE && !shrinks(z, data, off + len / 2 - SAMPLE / 2, SAMPLE)) {
                        return raw(data, off, len);
                    }
                    if (z.dst.length < Zstd.compressBound(len)) {
                        z.dst = new byte[(int) Zstd.compressBound(len)];
                    }
                    int n = z.ctx.compressByteArray(z.dst, 0, z.dst.length, data, off, len);
                    out = n >= len ? null : java.util.Arrays.copyOf(z.dst, n);
                    codec = ZSTD;
                } finally {
                    COMPRESSORS.offer(z);
                }
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
            return raw(data, off, len);
        }
        return new Encoded(codec, len, out);
    }

    // ---------------------------------------------------------------- reading

    private FileChannel reader(int pack) throws IOException {
        FileChannel ch = readers.get(pack);
        if (ch != null && ch.isOpen()) {
            return ch;
        }
        FileChannel opened = FileChannel.open(packPath(pack), StandardOpenOption.READ);
        FileChannel raced = readers.putIfAbsent(pack, opened);
        if (raced != null && raced.isOpen()) {
            opened.close();
            return raced;
        }
        if (raced != null) {
            readers.put(pack, opened);
        }
        return opened;
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos + b.position());
            if (n < 0) {
                throw new java.io.EOFException();
            }
        }
    }

    private static DatasetException damaged(byte[] hash, String what) {
        return new DatasetException(ErrorCode.CORRUPT_STREAM, "chunk " + HexFormat.of().formatHex(hash) + " " + what
                + ": the store is damaged (run verify)");
    }

    /** Reads and checks (magic, hash, lengths, CRC) the pack entry at {@code location}, which should hold {@code hash}. */
    Encoded readEntry(byte[] hash, long location) throws IOException {
        FileChannel ch = reader(packOf(location));
        long off = offsetOf(location);
        ByteBuffer h = ByteBuffer.allocate(ENTRY_HEADER);
        try {
            readFully(ch, h, off);
        } catch (java.io.EOFException e) {
            throw damaged(hash, "lies past the end of its pack");
        }
        h.flip();
        byte[] got = new byte[32];
        int magic = h.getInt();
        h.get(got);
        byte codec = h.get();
        int raw = h.getInt();
        int len = h.getInt();
        if (magic != ENTRY_MAGIC || !MessageDigest.isEqual(got, hash) || codec < RAW || codec > LZ4
                || raw < 0 || raw > MAX_CHUNK || len < 0 || len > MAX_STORED) {
            throw damaged(hash, "has a damaged pack entry header");
        }
        byte[] payload = new byte[len];
        ByteBuffer trailer = ByteBuffer.allocate(ENTRY_TRAILER);
        try {
            readFully(ch, ByteBuffer.wrap(payload), off + ENTRY_HEADER);
            readFully(ch, trailer, off + ENTRY_HEADER + len);
        } catch (java.io.EOFException e) {
            throw damaged(hash, "is cut short in its pack");
        }
        CRC32C crc = new CRC32C();
        crc.update(h.array(), 0, ENTRY_HEADER);
        crc.update(payload, 0, len);
        if ((int) crc.getValue() != trailer.getInt(0)) {
            throw damaged(hash, "fails its checksum");
        }
        return new Encoded(codec, raw, payload);
    }

    /** The stored form of a chunk; NOT_FOUND when missing, CORRUPT_STREAM when damaged. */
    Encoded readEncoded(byte[] hash) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Long loc = locate(hash);
            if (loc == null) {
                throw new DatasetException(ErrorCode.NOT_FOUND, "chunk " + HexFormat.of().formatHex(hash) + " is missing from the store");
            }
            if (loc == LOOSE) {
                return readLoose(hash);
            }
            try {
                return readEntry(hash, loc);
            } catch (NoSuchFileException | ClosedChannelException movedByGc) {
                // garbage collection rewrote the pack meanwhile: the index names the new place
                Long now = locate(hash);
                if (attempt >= 3 || now != null && now.longValue() == loc) {
                    throw damaged(hash, "is in a pack that cannot be read (" + movedByGc + ")");
                }
            }
        }
    }

    private Encoded readLoose(byte[] hash) throws IOException {
        byte[] all;
        try {
            all = Files.readAllBytes(path(hash));
        } catch (NoSuchFileException e) {
            throw new DatasetException(ErrorCode.NOT_FOUND, "chunk " + HexFormat.of().formatHex(hash) + " is missing from the store");
        }
        ByteBuffer b = ByteBuffer.wrap(all);
        if (all.length < HEADER || b.getInt() != MAGIC) {
            throw damaged(hash, "has a damaged header");
        }
        byte codec = b.get();
        int raw = b.getInt();
        if (raw < 0 || raw > MAX_CHUNK || codec < RAW || codec > LZ4) {
            throw damaged(hash, "has a damaged header");
        }
        return new Encoded(codec, raw, java.util.Arrays.copyOfRange(all, HEADER, all.length));
    }

    /** The raw bytes of a chunk, checked against its hash. */
    byte[] read(byte[] hash) throws IOException {
        byte[] raw = decode(readEncoded(hash));
        if (!MessageDigest.isEqual(Manifest.sha256().digest(raw), hash)) {
            throw damaged(hash, "does not match its hash");
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

    // ---------------------------------------------------------------- packs as a whole

    /** The ids of the pack files present, ascending. */
    List<Integer> packIds() throws IOException {
        List<Integer> ids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(packs, "*.pack")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                String hex = n.substring(0, n.length() - ".pack".length());
                if (hex.length() == 8 && hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                    ids.add(Integer.parseUnsignedInt(hex, 16));
                }
            }
        }
        ids.sort(null);
        return ids;
    }

    /**
     * Reads a pack entry by entry. With {@code checkCrc} every payload is read and its CRC checked
     * ({@link PackEntry#intact()}); without, only the headers are read. The scan stops at the first
     * entry whose header is unreadable or reaches past the end of the file: a tail torn by a crash
     * (or damage there), reported as {@link PackScan#validEnd()} before the file size.
     */
    PackScan scan(int id, boolean checkCrc) throws IOException {
        List<PackEntry> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(packPath(id), StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer ph = ByteBuffer.allocate(PACK_HEADER);
            if (size < PACK_HEADER) {
                return new PackScan(id, size, 0, out);
            }
            readFully(ch, ph, 0);
            ph.flip();
            if (ph.getInt() != PACK_MAGIC) {
                return new PackScan(id, size, 0, out);
            }
            int version = ph.getInt();
            if (version != PACK_VERSION) {
                throw new DatasetException(ErrorCode.UNSUPPORTED, "pack " + packPath(id) + " has format version " + version
                        + "; this build reads version " + PACK_VERSION + ": use a newer snapferry for this store");
            }
            // with CRCs every byte is read, in order; without, one positional read per entry header
            java.io.DataInputStream din = checkCrc ? new java.io.DataInputStream(new java.io.BufferedInputStream(
                    java.nio.channels.Channels.newInputStream(ch.position(PACK_HEADER)), 1 << 20)) : null;
            long off = PACK_HEADER;
            byte[] header = new byte[ENTRY_HEADER];
            byte[] body = checkCrc ? new byte[MAX_STORED + ENTRY_TRAILER] : null;
            CRC32C crc = new CRC32C();
            while (off + ENTRY_HEADER + ENTRY_TRAILER <= size) {
                if (checkCrc) {
                    din.readFully(header);
                } else {
                    readFully(ch, ByteBuffer.wrap(header), off);
                }
                ByteBuffer h = ByteBuffer.wrap(header);
                int magic = h.getInt();
                byte[] hash = new byte[32];
                h.get(hash);
                byte codec = h.get();
                int raw = h.getInt();
                int len = h.getInt();
                if (magic != ENTRY_MAGIC || codec < RAW || codec > LZ4 || raw < 0 || raw > MAX_CHUNK || len < 0 || len > MAX_STORED
                        || off + ENTRY_HEADER + len + ENTRY_TRAILER > size) {
                    break;
                }
                boolean intact = true;
                if (checkCrc) {
                    din.readFully(body, 0, len + ENTRY_TRAILER);
                    crc.reset();
                    crc.update(header);
                    crc.update(body, 0, len);
                    intact = (int) crc.getValue() == ByteBuffer.wrap(body, len, 4).getInt();
                }
                out.add(new PackEntry(id, off, hash, len, intact));
                off += ENTRY_HEADER + len + ENTRY_TRAILER;
            }
            return new PackScan(id, size, off, out);
        }
    }

    /** Deletes a pack file (garbage collection, after it removed the pack's chunks from the index). */
    void deletePack(int id) throws IOException {
        FileChannel ch = readers.remove(id);
        if (ch != null) {
            ch.close();
        }
        Files.deleteIfExists(packPath(id));
    }

    /** Removes a legacy chunk file: first from the index, then the file. Its size, 0 when it was gone. */
    long deleteLoose(byte[] hash) throws IOException {
        unindex(hash);
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

    /** Calls {@code each} with every legacy chunk file's hash. */
    void forEachLoose(java.util.function.Consumer<byte[]> each) throws IOException {
        HexFormat hex = HexFormat.of();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path d : dirs) {
                if (!Files.isDirectory(d) || d.getFileName().toString().length() != 2) {
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

    /**
     * Rebuilds the chunk index from the files: every pack is read with its CRCs checked (an entry
     * failing its CRC is left out, a torn tail is ignored), then the legacy chunk files.
     */
    void rebuildIndex() throws IOException {
        indexes.chunks().clear();
        overflow.clear();
        for (int id : packIds()) {
            for (PackEntry e : scan(id, true).entries()) {
                if (e.intact()) {
                    index(e.hash(), e.location());
                }
            }
        }
        forEachLoose(h -> index(h, LOOSE));
    }

    @Override
    public void close() {
        writeback.shutdown();
        retireIdlePacks();
        for (FileChannel ch : readers.values()) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        readers.clear();
    }

    static UncheckedIOException unchecked(IOException e) {
        return new UncheckedIOException(e);
    }
}
