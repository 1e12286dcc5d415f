package io.snapferry.store;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.SnapshotName;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One pool of the embedded store: its directory, its chunk store and indexes, and the catalog of
 * its datasets and snapshots (loaded from the files at open; the files stay the truth). The catalog
 * is guarded by this object's monitor; long operations take a dataset's lock and the pool's
 * {@link #gcLock} (shared), garbage collection takes it exclusively. See DESIGN.md for the layout.
 */
final class Pool implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Pool.class);
    static final String TREE = "@tree";
    static final String META = "@meta";
    static final String VOLUME = "volume";

    final String name;
    final Path root;
    final Indexes indexes;
    final ChunkStore chunks;
    final FileCache cache;
    final AtomicLong txg = new AtomicLong();
    final ReentrantReadWriteLock gcLock = new ReentrantReadWriteLock();
    /** Manifests of sends in progress: garbage collection keeps their chunks. */
    final Map<Object, List<Manifest>> pinned = new ConcurrentHashMap<>();
    private final Map<DatasetName, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final TreeMap<DatasetName, Ds> datasets = new TreeMap<>();
    private final FileChannel lockChannel;
    private final FileLock fileLock;

    /** A dataset in the catalog. Its snapshot list is ordered by txg and guarded by the pool's monitor. */
    static final class Ds {
        final DatasetName name;
        final long guid;
        final long createdMillis;
        final Path node;
        /** The size of a volume's image; 0 for a file-system dataset. */
        final long volsize;
        /** The block device backing a volume, or null (an image file in the tree, or a file system). */
        final Path device;
        final List<Snap> snaps = new ArrayList<>();

        Ds(DatasetName name, long guid, long createdMillis, Path node, long volsize) {
            this(name, guid, createdMillis, node, volsize, null);
        }

        Ds(DatasetName name, long guid, long createdMillis, Path node, long volsize, Path device) {
            this.name = name;
            this.guid = guid;
            this.createdMillis = createdMillis;
            this.node = node;
            this.volsize = volsize;
            this.device = device;
        }

        boolean isVolume() {
            return volsize > 0;
        }

        /** A volume's image: its block device, or else the single file {@code volume} in its tree. */
        Path image() {
            return device != null ? device : tree().resolve(VOLUME);
        }

        Path tree() {
            return node.resolve(TREE);
        }

        Path meta() {
            return node.resolve(META);
        }

        Path manifest(String snap) {
            return meta().resolve("snapshots").resolve(snap + ".manifest");
        }

        Path holdsFile(String snap) {
            return meta().resolve("holds").resolve(snap);
        }

        Snap find(String snap) {
            for (Snap s : snaps) {
                if (s.name.equals(snap)) {
                    return s;
                }
            }
            return null;
        }

        Snap newest() {
            return snaps.isEmpty() ? null : snaps.get(snaps.size() - 1);
        }
    }

    /** A snapshot in the catalog: its manifest's header and its holds (guarded by the pool's monitor). */
    static final class Snap {
        final String name;
        final Manifest.Header header;
        final Set<String> holds;

        Snap(String name, Manifest.Header header, Set<String> holds) {
            this.name = name;
            this.header = header;
            this.holds = holds;
        }
    }

    Pool(String name, Path root, StoreOptions options) throws IOException {
        this.name = name;
        this.root = root.toAbsolutePath();
        Files.createDirectories(this.root);
        this.lockChannel = FileChannel.open(this.root.resolve("store.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = lockChannel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lockChannel.close();
            throw new DatasetException(ErrorCode.BUSY, "pool directory " + this.root + " is already open in this process");
        } catch (IOException | RuntimeException e) {
            lockChannel.close();
            throw e;
        }
        if (l == null) {
            lockChannel.close();
            throw new DatasetException(ErrorCode.BUSY, "pool directory " + this.root + " is in use by another process");
        }
        this.fileLock = l;
        Indexes idx = null;
        try {
            for (String d : List.of("tmp", "trash", "quarantine", "datasets")) {
                Files.createDirectories(this.root.resolve(d));
            }
            idx = new Indexes(this.root.resolve("index"), options.indexEntries(), options.indexEntries());
            this.indexes = idx;
            this.chunks = new ChunkStore(this.root.resolve("chunks"), idx, options.compression());
            this.cache = new FileCache(idx.files());
            recover();
        } catch (IOException | RuntimeException e) {
            if (idx != null) {
                try {
                    idx.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
            l.release();
            lockChannel.close();
            throw e;
        }
    }

    Path tmp() {
        return root.resolve("tmp");
    }

    Path node(DatasetName ds) {
        Path p = root.resolve("datasets");
        String rel = DatasetName.of(name).relativize(ds);
        if (!rel.isEmpty()) {
            for (String c : rel.split("/")) {
                p = p.resolve(c);
            }
        }
        return p;
    }

    ReentrantLock lock(DatasetName ds) {
        return locks.computeIfAbsent(ds, k -> new ReentrantLock());
    }

    synchronized Ds ds(DatasetName n) {
        Ds d = datasets.get(n);
        if (d == null) {
            throw DatasetException.notFound("dataset " + n);
        }
        return d;
    }

    synchronized Ds dsOrNull(DatasetName n) {
        return datasets.get(n);
    }

    synchronized List<Ds> datasetsUnder(DatasetName root) {
        List<Ds> out = new ArrayList<>();
        for (Ds d : datasets.values()) {
            if (root.contains(d.name)) {
                out.add(d);
            }
        }
        return out;
    }

    synchronized List<Ds> allDatasets() {
        return new ArrayList<>(datasets.values());
    }

    synchronized void put(Ds d) {
        datasets.put(d.name, d);
    }

    synchronized void remove(DatasetName n) {
        datasets.remove(n);
    }

    Snap snap(SnapshotName s) {
        synchronized (this) {
            Ds d = datasets.get(s.dataset());
            Snap found = d == null ? null : d.find(s.name());
            if (found == null) {
                throw DatasetException.notFound("snapshot " + s);
            }
            return found;
        }
    }

    Manifest loadManifest(Ds d, String snap) throws IOException {
        return Manifest.decode(Files.readAllBytes(d.manifest(snap)));
    }

    /** The file system's clock now, as the ctime of a file just written in the pool. */
    long fsClock() throws IOException {
        Path probe = tmp().resolve("clock-" + Thread.currentThread().getId());
        Files.write(probe, new byte[] {1});
        long t = TreeScanner.stat(probe).ctime();
        Files.deleteIfExists(probe);
        return t;
    }

    static long newGuid() {
        long g;
        do {
            g = ThreadLocalRandom.current().nextLong();
        } while (g == 0);
        return g;
    }

    /** Creates a dataset's node and registers it. The dataset file is written last: it is the commit. */
    Ds createDatasetOnDisk(DatasetName n, long createdMillis) throws IOException {
        return createDatasetOnDisk(n, createdMillis, 0);
    }

    /** As above; a {@code volsize} above 0 makes a volume whose image is a sparse file of that size. */
    Ds createDatasetOnDisk(DatasetName n, long createdMillis, long volsize) throws IOException {
        return createDatasetOnDisk(n, createdMillis, volsize, null);
    }

    /**
     * As above; with a {@code device} the volume's image is that block device (of {@code volsize}
     * bytes) and its tree stays empty.
     */
    Ds createDatasetOnDisk(DatasetName n, long createdMillis, long volsize, Path device) throws IOException {
        Path node = node(n);
        Files.createDirectories(node.resolve(TREE));
        Files.createDirectories(node.resolve(META).resolve("snapshots"));
        Files.createDirectories(node.resolve(META).resolve("holds"));
        long guid = newGuid();
        if (volsize > 0 && device == null) {
            try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(node.resolve(TREE).resolve(VOLUME).toFile(), "rw")) {
                raf.setLength(volsize);
            }
        }
        writeDatasetFile(node, guid, createdMillis, volsize, device);
        Ds d = new Ds(n, guid, createdMillis, node, volsize, device);
        put(d);
        return d;
    }

    static void writeDatasetFile(Path node, long guid, long createdMillis, long volsize) throws IOException {
        writeDatasetFile(node, guid, createdMillis, volsize, null);
    }

    static void writeDatasetFile(Path node, long guid, long createdMillis, long volsize, Path device) throws IOException {
        Durable.write(node.resolve(META).resolve("dataset"),
                ("guid=" + Long.toUnsignedString(guid) + "\ncreated=" + createdMillis + "\n"
                        + (volsize > 0 ? "volsize=" + volsize + "\n" : "")
                        + (device != null ? "device=" + device + "\n" : "")).getBytes(StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------- open and recovery

    private void recover() throws IOException {
        chunks.removeTempFiles();
        Durable.deleteTree(tmp());
        Files.createDirectories(tmp());
        try (DirectoryStream<Path> trash = Files.newDirectoryStream(root.resolve("trash"))) {
            for (Path t : trash) {
                Durable.deleteTree(t);
            }
        }
        // An interrupted multi-snapshot commit: remove what it had written (all or none).
        long maxTxg = 0;
        try (DirectoryStream<Path> journals = Files.newDirectoryStream(root, "journal-*")) {
            for (Path j : journals) {
                for (String line : Files.readAllLines(j, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        Files.deleteIfExists(root.resolve(line));
                    }
                }
                maxTxg = Math.max(maxTxg, Long.parseLong(j.getFileName().toString().substring(8)));
                Files.delete(j);
            }
        }
        Path rootNode = root.resolve("datasets");
        if (!Files.exists(rootNode.resolve(META).resolve("dataset"))) {
            createDatasetOnDisk(DatasetName.of(name), System.currentTimeMillis());
        }
        loadNode(DatasetName.of(name), rootNode);
        for (Ds d : allDatasets()) {
            for (Snap s : d.snaps) {
                maxTxg = Math.max(maxTxg, s.header.txg());
            }
        }
        txg.set(maxTxg);
        if (indexes.needsRebuild()) {
            chunks.rebuildIndex(); // before any checkout is redone: reading chunks needs their locations
        }
        for (Ds d : allDatasets()) {
            cleanStaging(d);
            Path marker = d.meta().resolve("checkout");
            if (Files.exists(marker)) {
                redoCheckout(d, Files.readString(marker, StandardCharsets.UTF_8).trim());
            }
        }
        if (indexes.needsRebuild()) {
            rebuildFileCache();
        }
    }

    /**
     * Rebuilds both indexes from the files: the chunk index from the packs, the change cache
     * from each dataset's newest manifest compared with its live tree.
     */
    void rebuildIndexes() throws IOException {
        chunks.rebuildIndex();
        rebuildFileCache();
    }

    private void rebuildFileCache() throws IOException {
        indexes.files().clear();
        for (Ds d : allDatasets()) {
            Snap newest;
            synchronized (this) {
                newest = d.newest();
            }
            if (newest != null && newest.header.kind() != Manifest.Kind.ZFS_STREAM) {
                try {
                    cache.rebuildFrom(d.guid, loadManifest(d, newest.name), d.tree());
                } catch (DatasetException damaged) {
                    // a damaged manifest only costs cache entries; verify() reports it
                }
            }
        }
    }

    private void cleanStaging(Ds d) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(d.node, TREE + ".*")) {
            for (Path p : s) {
                Durable.deleteTree(p);
            }
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(d.meta().resolve("snapshots"), ".tmp-*")) {
            for (Path p : s) {
                Files.deleteIfExists(p);
            }
        }
        if (!Files.exists(d.tree())) {
            Files.createDirectories(d.tree());
        }
    }

    private void loadNode(DatasetName n, Path node) throws IOException {
        Path dsFile = node.resolve(META).resolve("dataset");
        if (Files.exists(dsFile)) {
            Map<String, String> props = new HashMap<>();
            for (String line : Files.readAllLines(dsFile, StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    props.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            Ds d = new Ds(n, Long.parseUnsignedLong(props.get("guid")), Long.parseLong(props.getOrDefault("created", "0")), node,
                    Long.parseLong(props.getOrDefault("volsize", "0")), props.containsKey("device") ? Path.of(props.get("device")) : null);
            Files.createDirectories(d.meta().resolve("snapshots"));
            Files.createDirectories(d.meta().resolve("holds"));
            try (DirectoryStream<Path> ms = Files.newDirectoryStream(d.meta().resolve("snapshots"), "*.manifest")) {
                for (Path m : ms) {
                    String file = m.getFileName().toString();
                    if (file.startsWith(".")) {
                        continue;
                    }
                    String snap = file.substring(0, file.length() - ".manifest".length());
                    Manifest.Header h;
                    try (InputStream in = new BufferedInputStream(Files.newInputStream(m), 4096)) {
                        h = Manifest.readHeader(in);
                    } catch (DatasetException | IOException damaged) {
                        h = new Manifest.Header(Manifest.Kind.TREE, n.value(), snap, 0, 0, 0, 0, 0, 0, 0, "");
                    }
                    d.snaps.add(new Snap(snap, h, readHolds(d.holdsFile(snap))));
                }
            }
            d.snaps.sort(Comparator.comparingLong((Snap s) -> s.header.txg()).thenComparing(s -> s.name));
            put(d);
        }
        List<String> children = new ArrayList<>();
        try (DirectoryStream<Path> kids = Files.newDirectoryStream(node)) {
            for (Path k : kids) {
                String c = k.getFileName().toString();
                if (!c.startsWith("@") && !c.startsWith(".") && Files.isDirectory(k)) {
                    children.add(c);
                }
            }
        }
        children.sort(null);
        for (String c : children) {
            if (DatasetName.problem(n.value() + "/" + c) == null) {
                loadNode(n.child(c), node.resolve(c));
            }
        }
    }

    static Set<String> readHolds(Path f) throws IOException {
        Set<String> holds = new TreeSet<>();
        if (Files.exists(f)) {
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    holds.add(line.trim());
                }
            }
        }
        return holds;
    }

    void writeHolds(Ds d, String snap, Set<String> holds) throws IOException {
        Path f = d.holdsFile(snap);
        if (holds.isEmpty()) {
            Files.deleteIfExists(f);
            Durable.fsyncDir(f.getParent());
        } else {
            Durable.write(f, String.join("\n", new LinkedHashSet<>(holds)).getBytes(StandardCharsets.UTF_8));
        }
    }

    // ---------------------------------------------------------------- checkout (live tree := snapshot)

    /**
     * Makes the live tree of {@code d} exactly snapshot {@code snap}: writes it into a staging
     * directory beside the live one, swaps the two, deletes the old one, and refreshes the change
     * cache. The caller has written the checkout marker, so a crash is finished at the next open.
     */
    void checkout(Ds d, String snap) throws IOException {
        Manifest m = loadManifest(d, snap);
        if (d.device != null) {
            // A block device is written in place (only the chunks that differ); its tree stays empty.
            BlockDevice.writeImage(d.device, imageChunks(m), chunks);
            return;
        }
        Path staging = d.node.resolve(TREE + ".new-" + Long.toHexString(newGuid()));
        Durable.deleteTree(staging);
        if (m.kind() != Manifest.Kind.ZFS_STREAM) {
            new TreeWriter(chunks).write(m, "", staging, (e, p) -> { });
        } else {
            Files.createDirectory(staging);
        }
        Durable.syncTree(staging);
        Path old = NativeFs.swapIn(staging, d.tree());
        if (old != null) {
            Durable.deleteTree(old);
        }
        refreshCache(d, m);
    }

    /**
     * Makes the live tree of {@code d} exactly {@code m} in place, touching only what differs: entries
     * the manifest lacks (or of another kind) are removed; a regular file whose stat fields match
     * the change cache and whose cached chunk list and extended attributes equal the manifest's is
     * kept (only its owner, mode and mtime are corrected if they differ); others are written to a
     * temp file beside their place and renamed over it. The files written and the directories
     * changed are fsynced before this returns. Unlike {@link #checkout} this is not one atomic step
     * for readers of the live tree; the caller has written the checkout marker, so a crash midway is
     * finished at the next open by a full checkout. Returns the number of files written.
     */
    long update(Ds d, Manifest m) throws IOException {
        if (d.device != null || m.kind() == Manifest.Kind.ZFS_STREAM) {
            // a block device is written in place by checkout anyway; a stored ZFS stream has no tree
            checkout(d, m.snapshot());
            return 0;
        }
        long clock = fsClock();
        Path tree = d.tree();
        Map<String, Manifest.Entry> want = new HashMap<>();
        for (Manifest.Entry e : m.entries()) {
            want.put(e.path(), e);
        }
        Set<Path> dirty = new LinkedHashSet<>();
        removeExtras(d, tree, "", want, dirty);
        TreeWriter writer = new TreeWriter(chunks);
        List<Path> written = new ArrayList<>();
        List<Manifest.Entry> dirs = new ArrayList<>();
        for (Manifest.Entry e : m.entries()) {
            Path p = e.path().isEmpty() ? tree : tree.resolve(e.path());
            TreeScanner.Stat st = statOrNull(p);
            switch (e.type()) {
                case DIR -> {
                    if (st == null) {
                        Files.createDirectory(p);
                        TreeWriter.xattrs(p, e);
                        dirty.add(p.getParent());
                    }
                    dirs.add(e);
                }
                case FILE -> {
                    FileCache.Cached c = st == null ? null : cache.get(d.guid, e.path());
                    boolean same = c != null && st.type() == 0100000 && c.matches(st.size(), st.mtime(), st.ctime(), st.inode())
                            && c.chunks().equals(e.chunks()) && sameXattrs(c.xattrs(), e.xattrs());
                    if (same) {
                        if (!sameAttrs(st, e)) {
                            TreeWriter.finish(p, e, false);
                            TreeScanner.Stat now = TreeScanner.stat(p);
                            cache.put(d.guid, e.path(), new FileCache.Cached(now.size(), now.mtime(), now.ctime(), now.inode(),
                                    now.ctime() >= clock, e.xattrs(), e.chunks()));
                        }
                        continue;
                    }
                    Path tmp = Durable.tempSibling(p);
                    try {
                        writer.writeFile(e, tmp);
                        TreeWriter.finish(tmp, e, false);
                        Durable.moveAtomic(tmp, p);
                    } finally {
                        Files.deleteIfExists(tmp);
                    }
                    written.add(p);
                    dirty.add(p.getParent());
                    TreeScanner.Stat now = TreeScanner.stat(p);
                    cache.put(d.guid, e.path(), new FileCache.Cached(now.size(), now.mtime(), now.ctime(), now.inode(),
                            now.ctime() >= clock, e.xattrs(), e.chunks()));
                }
                case SYMLINK -> {
                    boolean same = st != null && st.type() == 0120000 && Files.readSymbolicLink(p).toString().equals(e.linkTarget());
                    if (!same) {
                        if (st != null) {
                            Files.delete(p);
                        }
                        Files.createSymbolicLink(p, Path.of(e.linkTarget()));
                        dirty.add(p.getParent());
                        TreeWriter.finish(p, e, true);
                    } else if (st.uid() != e.uid() || st.gid() != e.gid() || st.mtime() != e.mtime()) {
                        TreeWriter.finish(p, e, true);
                    }
                }
                case HARDLINK -> {
                    Path first = tree.resolve(e.linkTarget());
                    if (st == null || st.inode() != TreeScanner.stat(first).inode()) {
                        if (st != null) {
                            Files.delete(p);
                        }
                        Files.createLink(p, first);
                        dirty.add(p.getParent());
                    }
                }
                default -> throw new IllegalStateException();
            }
        }
        for (int i = dirs.size() - 1; i >= 0; i--) {
            Manifest.Entry e = dirs.get(i);
            Path p = e.path().isEmpty() ? tree : tree.resolve(e.path());
            if (dirty.contains(p) || !sameAttrs(TreeScanner.stat(p), e)) {
                TreeWriter.finish(p, e, false);
                dirty.add(p);
            }
        }
        for (Path f : written) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                ch.force(true);
            }
        }
        for (Path dir : dirty) {
            Durable.fsyncDir(dir);
        }
        return written.size();
    }

    /** Deletes what is in the live tree but not in the manifest, or is there as another kind of file. */
    private void removeExtras(Ds d, Path dir, String rel, Map<String, Manifest.Entry> want, Set<Path> dirty) throws IOException {
        List<Path> kids = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(kids::add);
        }
        for (Path k : kids) {
            String r = rel.isEmpty() ? k.getFileName().toString() : rel + "/" + k.getFileName();
            TreeScanner.Stat st = statOrNull(k);
            if (st == null) {
                continue;
            }
            Manifest.Entry e = want.get(r);
            int kind = st.type();
            boolean sameKind = e != null && switch (e.type()) {
                case DIR -> kind == 0040000;
                case FILE, HARDLINK -> kind == 0100000;
                case SYMLINK -> kind == 0120000;
            };
            if (!sameKind) {
                if (kind == 0040000) {
                    Durable.deleteTree(k);
                } else {
                    Files.delete(k);
                    cache.remove(d.guid, r);
                }
                dirty.add(dir);
            } else if (kind == 0040000) {
                removeExtras(d, k, r, want, dirty);
            }
        }
    }

    private static TreeScanner.Stat statOrNull(Path p) throws IOException {
        try {
            return TreeScanner.stat(p);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    private static boolean sameAttrs(TreeScanner.Stat st, Manifest.Entry e) {
        return (st.mode() & 07777) == (e.mode() & 07777) && st.mtime() == e.mtime()
                && (st.uid() == e.uid() && st.gid() == e.gid() || !"root".equals(System.getProperty("user.name")));
    }

    private static boolean sameXattrs(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (Map.Entry<String, byte[]> x : a.entrySet()) {
            if (!java.util.Arrays.equals(x.getValue(), b.get(x.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** Records the live files just written from {@code m} in the change cache, racy when in the current clock tick. */
    void refreshCache(Ds d, Manifest m) throws IOException {
        long clock = fsClock();
        for (Manifest.Entry e : m.entries()) {
            if (e.type() != Manifest.Type.FILE) {
                continue;
            }
            Path p = e.path().isEmpty() ? d.tree() : d.tree().resolve(e.path());
            try {
                TreeScanner.Stat st = TreeScanner.stat(p);
                cache.put(d.guid, e.path(), new FileCache.Cached(st.size(), st.mtime(), st.ctime(), st.inode(),
                        st.ctime() >= clock, e.xattrs(), e.chunks()));
            } catch (java.nio.file.NoSuchFileException gone) {
                cache.remove(d.guid, e.path());
            }
        }
    }

    /** The chunk list of a volume manifest's image. */
    static List<ChunkRef> imageChunks(Manifest m) {
        for (Manifest.Entry e : m.entries()) {
            if (e.path().equals(VOLUME)) {
                return e.chunks();
            }
        }
        throw Manifest.corrupt("a volume manifest without its image");
    }

    private void redoCheckout(Ds d, String snap) throws IOException {
        Snap target = d.find(snap);
        if (target != null) {
            List<Snap> newer = new ArrayList<>();
            for (Snap s : d.snaps) {
                if (s.header.txg() > target.header.txg()) {
                    newer.add(s);
                }
            }
            for (Snap s : newer) {
                Files.deleteIfExists(d.manifest(s.name));
                Files.deleteIfExists(d.holdsFile(s.name));
                d.snaps.remove(s);
            }
            if (d.device != null) {
                try {
                    checkout(d, snap);
                } catch (DatasetException | IOException e) {
                    // The device may be mounted or gone now: keep the marker, so the next open
                    // (or a rollback) writes it; the pool itself stays usable.
                    LOG.warn("volume {}: its block device {} still has to be written back to snapshot {}: {}", d.name, d.device, snap,
                            e.getMessage());
                    return;
                }
            } else {
                checkout(d, snap);
            }
        }
        Files.deleteIfExists(d.meta().resolve("checkout"));
        Durable.fsyncDir(d.meta());
    }

    /** Releases the pool as a killed process would: the indexes are not marked clean. */
    void abandon() {
        chunks.close();
        indexes.abandon();
        try {
            fileLock.release();
            lockChannel.close();
        } catch (IOException ignored) {
            // as after a kill
        }
    }

    @Override
    public void close() throws IOException {
        try {
            chunks.close();
            indexes.close();
        } finally {
            fileLock.release();
            lockChannel.close();
        }
    }
}
