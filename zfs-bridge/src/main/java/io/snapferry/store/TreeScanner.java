package io.snapferry.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Turns a live tree into manifest entries, sending the chunks of files whose contents it reads
 * to a {@link ChunkSink} (which stores the new ones in a batch the caller flushes before
 * committing a manifest). Files unchanged since the cache saw them (same size, mtime, ctime,
 * inode) are not read. A scan returns once the sink has processed every chunk it submitted; the
 * entries of read files (and their change-cache records) are completed then. One scanner is used
 * by one thread at a time.
 */
final class TreeScanner {
    private static final String ATTRS = "unix:mode,uid,gid,ino,dev,nlink,ctime,lastModifiedTime,lastAccessTime,size";
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;

    private final ChunkSink chunks;
    private final FileCache cache;
    private final Chunker chunker;
    private final LongAdder contentBytesRead;
    private final byte[] buf;
    private boolean lastFreezeReflinked;

    /** Stat fields of one path. */
    record Stat(int mode, int uid, int gid, long inode, long dev, int nlink, long ctime, long mtime, long atime, long size) {
        int type() {
            return mode & S_IFMT;
        }
    }

    /** What a scan produced. */
    record Result(List<Manifest.Entry> entries, long referenced, long bytesRead, List<String> skipped) {
    }

    TreeScanner(ChunkSink chunks, FileCache cache, Chunker chunker, LongAdder contentBytesRead) {
        this.chunks = chunks;
        this.cache = cache;
        this.chunker = chunker;
        this.contentBytesRead = contentBytesRead;
        this.buf = new byte[chunker.max() * 2];
    }

    /** Chunks this scanner's sink stored anew. */
    long chunksNew() {
        return chunks.chunksNew();
    }

    /** Chunks this scanner's sink found already stored. */
    long chunksPresent() {
        return chunks.chunksPresent();
    }

    static Stat stat(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, ATTRS, LinkOption.NOFOLLOW_LINKS);
        return new Stat((Integer) a.get("mode"), (Integer) a.get("uid"), (Integer) a.get("gid"),
                (Long) a.get("ino"), (Long) a.get("dev"), (Integer) a.get("nlink"),
                nanos((FileTime) a.get("ctime")), nanos((FileTime) a.get("lastModifiedTime")),
                nanos((FileTime) a.get("lastAccessTime")), (Long) a.get("size"));
    }

    static long nanos(FileTime t) {
        return t.to(TimeUnit.NANOSECONDS);
    }

    /**
     * Scans {@code tree} (the dataset's live root). {@code fsClock} is the file system's clock at
     * the start (see {@link FileCache}); {@code datasetGuid} keys the cache.
     */
    Result scan(Path tree, long datasetGuid, long fsClock) throws IOException {
        List<Supplier<Manifest.Entry>> out = new ArrayList<>();
        Map<Long, String> firstOfInode = new HashMap<>();
        List<String> skipped = new ArrayList<>();
        long[] totals = new long[2];
        long before = contentBytesRead.sum();
        walk(tree, "", datasetGuid, fsClock, out, firstOfInode, skipped, totals);
        chunks.drain();
        List<Manifest.Entry> entries = new ArrayList<>(out.size());
        for (Supplier<Manifest.Entry> e : out) {
            entries.add(e.get());
        }
        return new Result(entries, totals[0], contentBytesRead.sum() - before, skipped);
    }

    private static Supplier<Manifest.Entry> ready(Manifest.Entry e) {
        return () -> e;
    }

    private void walk(Path p, String rel, long dsGuid, long fsClock, List<Supplier<Manifest.Entry>> out,
                      Map<Long, String> firstOfInode, List<String> skipped, long[] totals) throws IOException {
        Stat st;
        try {
            st = stat(p);
        } catch (NoSuchFileException e) {
            return; // removed while we scanned
        }
        switch (st.type()) {
            case S_IFDIR -> {
                out.add(ready(new Manifest.Entry(rel, Manifest.Type.DIR, st.mode(), st.uid(), st.gid(), st.mtime(), st.atime(),
                        st.ctime(), st.inode(), 0, null, xattrs(p), List.of())));
                List<String> names = new ArrayList<>();
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
                    for (Path c : ds) {
                        names.add(c.getFileName().toString());
                    }
                } catch (NoSuchFileException e) {
                    return;
                }
                names.sort(null);
                for (String n : names) {
                    walk(p.resolve(n), rel.isEmpty() ? n : rel + "/" + n, dsGuid, fsClock, out, firstOfInode, skipped, totals);
                }
            }
            case S_IFLNK -> {
                String target;
                try {
                    target = Files.readSymbolicLink(p).toString();
                } catch (NoSuchFileException e) {
                    return;
                }
                out.add(ready(new Manifest.Entry(rel, Manifest.Type.SYMLINK, st.mode(), st.uid(), st.gid(), st.mtime(),
                        st.atime(), st.ctime(), st.inode(), target.length(), target, Map.of(), List.of())));
            }
            case S_IFREG -> {
                if (st.nlink() > 1) {
                    // dev and inode identify the group; one tree is on one device, so the inode suffices.
                    String first = firstOfInode.putIfAbsent(st.inode(), rel);
                    if (first != null) {
                        out.add(ready(new Manifest.Entry(rel, Manifest.Type.HARDLINK, st.mode(), st.uid(), st.gid(), st.mtime(),
                                st.atime(), st.ctime(), st.inode(), st.size(), first, Map.of(), List.of())));
                        return;
                    }
                }
                out.add(file(p, rel, st, dsGuid, fsClock));
                totals[0] += st.size();
            }
            default -> skipped.add(rel); // devices, FIFOs and sockets are not snapshotted
        }
    }

    /** A file's entry: at once when the cache says it is unchanged, else once the sink processed its chunks. */
    private Supplier<Manifest.Entry> file(Path p, String rel, Stat st, long dsGuid, long fsClock) throws IOException {
        FileCache.Cached c = cache.get(dsGuid, rel);
        if (c != null && !c.racy() && c.matches(st.size(), st.mtime(), st.ctime(), st.inode())) {
            return ready(new Manifest.Entry(rel, Manifest.Type.FILE, st.mode(), st.uid(), st.gid(), st.mtime(), st.atime(),
                    st.ctime(), st.inode(), st.size(), null, c.xattrs(), c.chunks()));
        }
        Stat now = st;
        List<ChunkSink.Slot> refs = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                refs = chunkFile(p);
            } catch (NoSuchFileException e) {
                refs = List.of();
            }
            Stat after = stat(p);
            boolean stable = after.size() == now.size() && after.mtime() == now.mtime() && after.ctime() == now.ctime();
            now = after;
            if (stable) {
                break;
            }
            refs = null;
        }
        boolean stable = refs != null;
        if (!stable) {
            refs = chunkFile(p); // still changing: keep what was read, but never cache it
        }
        Map<String, byte[]> x = xattrs(p);
        Stat at = now;
        List<ChunkSink.Slot> slots = refs;
        return () -> {
            List<ChunkRef> resolved = resolve(slots);
            long size = 0;
            for (ChunkRef r : resolved) {
                size += r.length();
            }
            if (stable) {
                cache.put(dsGuid, rel, new FileCache.Cached(size, at.mtime(), at.ctime(), at.inode(), at.ctime() >= fsClock, x, resolved));
            } else {
                cache.remove(dsGuid, rel);
            }
            return new Manifest.Entry(rel, Manifest.Type.FILE, at.mode(), at.uid(), at.gid(), at.mtime(), at.atime(),
                    at.ctime(), at.inode(), size, null, x, resolved);
        };
    }

    /** The references of processed chunks (after the sink's drain). */
    private static List<ChunkRef> resolve(List<ChunkSink.Slot> slots) {
        List<ChunkRef> out = new ArrayList<>(slots.size());
        for (ChunkSink.Slot s : slots) {
            out.add(s.ref());
        }
        return out;
    }

    /**
     * Scans a volume: its tree holds one image file, {@code name}. Unless the change cache says the
     * image is unchanged, it is frozen with a reflink clone in {@code tmp} (same file system) when the
     * file system can, and cut into fixed-size chunks of {@code chunkSize}, so that a block write
     * changes one chunk. Without reflinks the live image is read: consistent only if nothing writes
     * to it meanwhile.
     */
    Result scanVolume(Path tree, String name, long dsGuid, long fsClock, int chunkSize, Path tmp) throws IOException {
        long before = contentBytesRead.sum();
        List<Manifest.Entry> out = new ArrayList<>();
        Stat dir = stat(tree);
        out.add(new Manifest.Entry("", Manifest.Type.DIR, dir.mode(), dir.uid(), dir.gid(), dir.mtime(), dir.atime(), dir.ctime(),
                dir.inode(), 0, null, Map.of(), List.of()));
        Path image = tree.resolve(name);
        Stat st = stat(image);
        FileCache.Cached c = cache.get(dsGuid, name);
        List<ChunkRef> refs;
        Map<String, byte[]> x;
        if (c != null && !c.racy() && c.matches(st.size(), st.mtime(), st.ctime(), st.inode())) {
            refs = c.chunks();
            x = c.xattrs();
        } else {
            Path frozen = tmp.resolve("freeze-" + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()));
            lastFreezeReflinked = NativeFs.reflink(image, frozen);
            try (FileChannel ch = FileChannel.open(lastFreezeReflinked ? frozen : image, StandardOpenOption.READ)) {
                refs = chunkFixed(ch, chunkSize);
            } finally {
                Files.deleteIfExists(frozen);
            }
            x = xattrs(image);
            cache.put(dsGuid, name, new FileCache.Cached(st.size(), st.mtime(), st.ctime(), st.inode(), st.ctime() >= fsClock, x, refs));
        }
        long size = 0;
        for (ChunkRef r : refs) {
            size += r.length();
        }
        out.add(new Manifest.Entry(name, Manifest.Type.FILE, st.mode(), st.uid(), st.gid(), st.mtime(), st.atime(), st.ctime(),
                st.inode(), size, null, x, refs));
        return new Result(out, size, contentBytesRead.sum() - before, List.of());
    }

    /**
     * Scans a volume backed by a block device: reads all of {@code device} (no change detection is
     * possible on a raw device, so every chunk is hashed; only chunks the pool lacks are stored) and
     * cuts it into fixed-size chunks of {@code chunkSize}. No reflink is possible: the live device is
     * read, consistent only if nothing writes to it meanwhile. The image entry is recorded as a
     * regular file {@code name} (mode 0600, times {@code nowNanos}), like an image file's.
     */
    Result scanDevice(Path tree, String name, Path device, int chunkSize, long nowNanos) throws IOException {
        long before = contentBytesRead.sum();
        List<Manifest.Entry> out = new ArrayList<>();
        Stat dir = stat(tree);
        out.add(new Manifest.Entry("", Manifest.Type.DIR, dir.mode(), dir.uid(), dir.gid(), dir.mtime(), dir.atime(), dir.ctime(),
                dir.inode(), 0, null, Map.of(), List.of()));
        List<ChunkRef> refs;
        try (FileChannel ch = FileChannel.open(device, StandardOpenOption.READ)) {
            refs = chunkFixed(ch, chunkSize);
        }
        lastFreezeReflinked = false;
        long size = 0;
        for (ChunkRef r : refs) {
            size += r.length();
        }
        out.add(new Manifest.Entry(name, Manifest.Type.FILE, 0100600, 0, 0, nowNanos, nowNanos, nowNanos, 0, size, null, Map.of(), refs));
        return new Result(out, size, contentBytesRead.sum() - before, List.of());
    }

    /** Whether the last volume scan that read its image froze it with a reflink clone. */
    boolean lastFreezeReflinked() {
        return lastFreezeReflinked;
    }

    /** Cuts a channel into fixed-size chunks, stores the new ones and waits for the sink; their references. */
    private List<ChunkRef> chunkFixed(FileChannel ch, int chunkSize) throws IOException {
        List<ChunkSink.Slot> slots = new ArrayList<>();
        while (true) {
            int filled = 0;
            while (filled < chunkSize) {
                int n = ch.read(ByteBuffer.wrap(buf, filled, chunkSize - filled));
                if (n < 0) {
                    break;
                }
                filled += n;
                contentBytesRead.add(n);
            }
            if (filled == 0) {
                break;
            }
            slots.add(chunks.submit(buf, 0, filled));
            if (filled < chunkSize) {
                break;
            }
        }
        chunks.drain();
        return resolve(slots);
    }

    /** Reads a file and sends its chunks to the sink; the slots resolve after the sink's drain. */
    private List<ChunkSink.Slot> chunkFile(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return cut(ch);
        }
    }

    /** Reads a channel to its end, cuts it into chunks and stores the new ones; their references. */
    List<ChunkRef> chunkChannel(java.nio.channels.ReadableByteChannel ch) throws IOException {
        List<ChunkSink.Slot> slots = cut(ch);
        chunks.drain();
        return resolve(slots);
    }

    private List<ChunkSink.Slot> cut(java.nio.channels.ReadableByteChannel ch) throws IOException {
        List<ChunkSink.Slot> refs = new ArrayList<>();
        int pos = 0;
        int filled = 0;
        boolean eof = false;
        int max = chunker.max();
        while (true) {
            while (!eof && filled - pos < max) {
                if (buf.length - filled < max) {
                    System.arraycopy(buf, pos, buf, 0, filled - pos);
                    filled -= pos;
                    pos = 0;
                }
                int n = ch.read(ByteBuffer.wrap(buf, filled, buf.length - filled));
                if (n < 0) {
                    eof = true;
                } else {
                    filled += n;
                    contentBytesRead.add(n);
                }
            }
            int avail = filled - pos;
            if (avail == 0) {
                return refs;
            }
            int n = chunker.cut(buf, pos, avail);
            refs.add(chunks.submit(buf, pos, n));
            pos += n;
        }
    }

    static Map<String, byte[]> xattrs(Path p) {
        try {
            UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
            if (v == null) {
                return Map.of();
            }
            List<String> names = v.list();
            if (names.isEmpty()) {
                return Map.of();
            }
            Map<String, byte[]> out = new TreeMap<>();
            for (String n : names) {
                ByteBuffer b = ByteBuffer.allocate(v.size(n));
                v.read(n, b);
                out.put(n, Arrays.copyOf(b.array(), b.position()));
            }
            return out;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return Map.of(); // the file system has no user attributes, or the file went away
        }
    }
}
