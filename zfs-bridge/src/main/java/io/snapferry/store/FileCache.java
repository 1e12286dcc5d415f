package io.snapferry.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.openhft.chronicle.map.ChronicleMap;

/**
 * The file-change cache: for (dataset GUID, path), what a regular file looked like (size, mtime,
 * ctime, inode) when its contents were last chunked, with the chunk list and extended attributes.
 * A snapshot reuses the chunk list of a file whose four stat fields are unchanged, without reading
 * it. An entry whose file's ctime is older than the file system's clock at the
 * start of the scan ({@code fsClock}) is trusted: a file changed in the same clock tick as the
 * scan could change again without its times moving (the "racy clean" problem git has), so such an
 * entry is marked racy and the file is re-read next time. A cache is only a hint: a missing entry costs a read, never correctness.
 */
final class FileCache {
    /**
     * What the cache knows about one file. A {@code racy} entry was recorded in the same file-system
     * clock tick as its last change: its stat fields still tell whether the file changed since
     * (for {@code writtenSinceLastSnapshot}), but its chunk list is not trusted without a read.
     */
    record Cached(long size, long mtime, long ctime, long inode, boolean racy, Map<String, byte[]> xattrs,
                  List<ChunkRef> chunks) {
        boolean matches(long size, long mtime, long ctime, long inode) {
            return this.size == size && this.mtime == mtime && this.ctime == ctime && this.inode == inode;
        }
    }

    private final ChronicleMap<byte[], byte[]> map;

    FileCache(ChronicleMap<byte[], byte[]> map) {
        this.map = map;
    }

    static byte[] key(long datasetGuid, String path) {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + p.length).putLong(datasetGuid).put(p).array();
    }

    Cached get(long datasetGuid, String path) {
        byte[] v = map.get(key(datasetGuid, path));
        return v == null ? null : decode(v);
    }

    void put(long datasetGuid, String path, Cached c) {
        try {
            map.put(key(datasetGuid, path), encode(c));
        } catch (IllegalStateException | IllegalArgumentException full) {
            // The map is full or the value too large: the file is simply re-read next time.
        }
    }

    void remove(long datasetGuid, String path) {
        map.remove(key(datasetGuid, path));
    }

    /** Drops every entry of a dataset (after destroy, or before rebuilding it). */
    void removeDataset(long datasetGuid) {
        List<byte[]> doomed = new ArrayList<>();
        map.keySet().forEach(k -> {
            if (k.length >= 8 && ByteBuffer.wrap(k).getLong() == datasetGuid) {
                doomed.add(k.clone()); // the map may hand out one array for every key it iterates
            }
        });
        doomed.forEach(map::remove);
    }

    /**
     * Fills the cache for a dataset from its newest snapshot's manifest and its live tree (used after
     * an index rebuild). A live file with the manifest's size, mtime, ctime and inode is the file the
     * snapshot read: trusted (unless racy). One with only the same size and mtime (a tree written by
     * rollback or receive, which restore mtimes but get new inodes and ctimes) is entered as racy:
     * it counts as unchanged for {@code writtenSinceLastSnapshot}, but the next snapshot reads it.
     */
    void rebuildFrom(long datasetGuid, Manifest m, java.nio.file.Path tree) {
        for (Manifest.Entry e : m.entries()) {
            if (e.type() != Manifest.Type.FILE) {
                continue;
            }
            TreeScanner.Stat st;
            try {
                st = TreeScanner.stat(tree.resolve(e.path()));
            } catch (java.io.IOException gone) {
                continue;
            }
            if (st.size() != e.size() || st.mtime() != e.mtime()) {
                continue;
            }
            boolean same = st.inode() == e.inode() && st.ctime() == e.ctime();
            boolean racy = !same || e.ctime() >= m.fsClockNanos();
            put(datasetGuid, e.path(), new Cached(st.size(), st.mtime(), st.ctime(), st.inode(), racy, e.xattrs(), e.chunks()));
        }
    }

    private static byte[] encode(Cached c) {
        int n = 8 * 4 + 1 + 4 + 4;
        for (Map.Entry<String, byte[]> x : c.xattrs.entrySet()) {
            n += 4 + x.getKey().getBytes(StandardCharsets.UTF_8).length + 4 + x.getValue().length;
        }
        n += c.chunks.size() * (1 + 4 + 32);
        ByteBuffer b = ByteBuffer.allocate(n);
        b.putLong(c.size).putLong(c.mtime).putLong(c.ctime).putLong(c.inode).put((byte) (c.racy ? 1 : 0));
        b.putInt(c.xattrs.size());
        for (Map.Entry<String, byte[]> x : c.xattrs.entrySet()) {
            byte[] k = x.getKey().getBytes(StandardCharsets.UTF_8);
            b.putInt(k.length).put(k).putInt(x.getValue().length).put(x.getValue());
        }
        b.putInt(c.chunks.size());
        for (ChunkRef r : c.chunks) {
            b.put((byte) (r.hole() ? 1 : 0)).putInt(r.length()).put(r.hash());
        }
        return b.array();
    }

    private static Cached decode(byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v);
        long size = b.getLong();
        long mtime = b.getLong();
        long ctime = b.getLong();
        long inode = b.getLong();
        boolean racy = b.get() == 1;
        int nx = b.getInt();
        Map<String, byte[]> xattrs = new TreeMap<>();
        for (int i = 0; i < nx; i++) {
            byte[] k = new byte[b.getInt()];
            b.get(k);
            byte[] val = new byte[b.getInt()];
            b.get(val);
            xattrs.put(new String(k, StandardCharsets.UTF_8), val);
        }
        int nc = b.getInt();
        List<ChunkRef> chunks = new ArrayList<>(nc);
        for (int i = 0; i < nc; i++) {
            boolean hole = b.get() == 1;
            int len = b.getInt();
            byte[] h = new byte[32];
            b.get(h);
            chunks.add(hole ? ChunkRef.hole(len) : new ChunkRef(h, len, false));
        }
        return new Cached(size, mtime, ctime, inode, racy, xattrs, chunks);
    }
}
