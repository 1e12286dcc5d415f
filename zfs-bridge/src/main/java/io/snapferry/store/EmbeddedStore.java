package io.snapferry.store;

import io.snapferry.dataset.Capabilities;
import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.PoolSpace;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import java.io.DataInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The embedded store: a {@link DatasetProvider} for machines without ZFS. A dataset is a directory
 * tree (its live files are under {@link Dataset#mountpoint()}); a snapshot is an immutable,
 * content-addressed manifest of that tree whose file contents are deduplicated chunks. See
 * DESIGN.md beside this class for the on-disk layout, the stream format and the crash rules.
 *
 * <p><b>Threading.</b> Safe for concurrent use. Operations on one dataset are serialised by a
 * per-dataset lock; a snapshot of several datasets takes their locks in name order. Garbage
 * collection excludes snapshots and receives of its pool (a pool-wide read/write lock) and keeps
 * the chunks of sends in progress.
 *
 * <p><b>Crashes.</b> Every change becomes visible through one atomic rename (or a journal that
 * is rolled back at open), so after a crash a pool shows the old or the new state. Opening a pool
 * finishes or undoes what a crash interrupted.
 *
 * <p>Close the store to release the pools' directory locks and mark the indexes clean; a store not
 * closed (a crash) rebuilds its indexes from the files at the next open.
 */
public final class EmbeddedStore implements DatasetProvider {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EmbeddedStore.class);
    /** The name of the extended attribute-like key carrying a stored ZFS stream's SHA-256. */
    static final String ZFS_SHA256 = "snapferry.sha256";
    static final long ZFS_MAGIC = 0x2F5BACBACL;
    static final int ZFS_BEGIN = 8 + 8 + 8 + 8 + 4 + 4 + 8 + 8 + 256;

    private final Map<String, Pool> pools = new TreeMap<>();
    private final StoreOptions options;
    private final Clock clock;
    private final Chunker chunker;
    private final LongAdder contentBytesRead = new LongAdder();
    private final LongAdder reflinkFreezes = new LongAdder();
    private final LongAdder liveVolumeReads = new LongAdder();

    /** Opens (creating when missing) the pools at the given directories, with default options. */
    public EmbeddedStore(Map<String, Path> pools) {
        this(pools, StoreOptions.defaults(), Clock.systemUTC());
    }

    /**
     * Opens (creating when missing) the pools at the given directories. A pool directory may be used
     * by one store at a time: a second gives {@link ErrorCode#BUSY}.
     */
    public EmbeddedStore(Map<String, Path> pools, StoreOptions options, Clock clock) {
        this.options = options;
        this.clock = clock;
        this.chunker = new Chunker(options.chunkMin(), options.chunkAvg(), options.chunkMax());
        try {
            for (Map.Entry<String, Path> e : pools.entrySet()) {
                DatasetName.of(e.getKey());
                if (!DatasetName.of(e.getKey()).isPool()) {
                    throw new DatasetException(ErrorCode.INVALID_NAME, "pool name '" + e.getKey() + "' has a '/'");
                }
                this.pools.put(e.getKey(), new Pool(e.getKey(), e.getValue(), options));
            }
        } catch (IOException e) {
            close();
            throw failure("opening the store", e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * The daemon's store: the pool {@code local} at {@code <dataDir>/pools/local}, default options.
     */
    public static EmbeddedStore forDataDirectory(Path dataDir) {
        return new EmbeddedStore(Map.of("local", dataDir.resolve("pools").resolve("local")));
    }

    // ------------------------------------------------------------------ helpers

    private Pool pool(String name) {
        Pool p = pools.get(name);
        if (p == null) {
            throw DatasetException.notFound("pool " + name);
        }
        return p;
    }

    private Pool pool(DatasetName ds) {
        return pool(ds.pool());
    }

    static DatasetException failure(String what, IOException e) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        if (msg.contains("No space left")) {
            return new DatasetException(ErrorCode.NO_SPACE, what + ": the disk is full", e);
        }
        if (e instanceof AccessDeniedException) {
            return new DatasetException(ErrorCode.PERMISSION, what + ": access denied to " + msg, e);
        }
        return new DatasetException(ErrorCode.INTERNAL, what + " failed: " + msg, e);
    }

    private interface IoAction<T> {
        T run() throws IOException;
    }

    private static <T> T io(String what, IoAction<T> action) {
        try {
            return action.run();
        } catch (IOException e) {
            throw failure(what, e);
        } catch (UncheckedIOException e) {
            throw failure(what, e.getCause());
        }
    }

    /** Locks datasets in name order; returns them for unlocking. */
    private static List<ReentrantLock> lockAll(Pool p, Set<DatasetName> names) {
        List<ReentrantLock> held = new ArrayList<>();
        for (DatasetName n : new TreeSet<>(names)) {
            ReentrantLock l = p.lock(n);
            l.lock();
            held.add(l);
        }
        return held;
    }

    private static void unlockAll(List<ReentrantLock> held) {
        for (int i = held.size() - 1; i >= 0; i--) {
            held.get(i).unlock();
        }
    }

    // ------------------------------------------------------------------ listing

    @Override
    public String kind() {
        return "embedded";
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(false, false, "embedded");
    }

    @Override
    public List<String> pools() {
        return List.copyOf(pools.keySet());
    }

    @Override
    public PoolSpace space(String pool) {
        Pool p = pool(pool);
        return io("reading the space of pool " + pool, () -> {
            FileStore fs = Files.getFileStore(p.root);
            long size = fs.getTotalSpace();
            long free = fs.getUsableSpace();
            return new PoolSpace(pool, size, Math.max(0, size - free), free, "ONLINE");
        });
    }

    @Override
    public List<Dataset> listDatasets(Optional<DatasetName> root) {
        List<Dataset> out = new ArrayList<>();
        if (root.isPresent()) {
            Pool p = pool(root.get());
            p.ds(root.get());
            for (Pool.Ds d : p.datasetsUnder(root.get())) {
                out.add(describe(p, d));
            }
        } else {
            for (Pool p : pools.values()) {
                for (Pool.Ds d : p.allDatasets()) {
                    out.add(describe(p, d));
                }
            }
        }
        out.sort((a, b) -> a.name().value().replace('/', '\0').compareTo(b.name().value().replace('/', '\0')));
        return out;
    }

    private Dataset describe(Pool p, Pool.Ds d) {
        long used;
        synchronized (p) {
            Pool.Snap newest = d.newest();
            used = newest == null ? 0 : newest.header.referenced();
        }
        long free;
        try {
            free = Files.getFileStore(p.root).getUsableSpace();
        } catch (IOException e) {
            free = 0;
        }
        if (d.isVolume()) {
            return new Dataset(d.name, Dataset.Kind.VOLUME, d.guid, used, free, Optional.empty(), false);
        }
        return new Dataset(d.name, Dataset.Kind.FILESYSTEM, d.guid, used, free, Optional.of(d.tree().toString()), false);
    }

    /** Where the live files of a dataset are (its mountpoint). */
    public Path mountpoint(DatasetName dataset) {
        return pool(dataset).ds(dataset).tree();
    }

    /**
     * Creates a volume: a dataset whose contents are one image file of {@code sizeBytes} (sparse at
     * first), at {@link #volumePath}. Its snapshots freeze the image with a reflink clone where the
     * file system can (btrfs, xfs) and cut it into fixed-size chunks. Missing parents are created
     * as file systems.
     */
    public Dataset createVolume(DatasetName name, long sizeBytes) {
        if (sizeBytes <= 0 || sizeBytes % 512 != 0) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "a volume size must be a positive multiple of 512 bytes, not " + sizeBytes);
        }
        Pool p = pool(name);
        if (name.isPool()) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "a pool's root dataset cannot be a volume");
        }
        List<ReentrantLock> held = lockAll(p, new HashSet<>(name.lineage()));
        try {
            if (p.dsOrNull(name) != null) {
                throw DatasetException.exists("dataset " + name);
            }
            return io("creating volume " + name, () -> {
                for (DatasetName d : name.parent().lineage()) {
                    if (p.dsOrNull(d) == null) {
                        p.createDatasetOnDisk(d, clock.millis());
                    } else if (p.ds(d).isVolume()) {
                        throw new DatasetException(ErrorCode.INVALID_ARGUMENT, d + " is a volume and cannot have children");
                    }
                }
                p.createDatasetOnDisk(name, clock.millis(), sizeBytes);
                return describe(p, p.ds(name));
            });
        } finally {
            unlockAll(held);
        }
    }

    /**
     * Creates a volume backed by the block device {@code device} (for instance a disk or a loop
     * device, best named by a stable path under /dev/disk/by-id). Its size is the device's
     * ({@code ioctl(BLKGETSIZE64)}). The device's contents are the volume's: a snapshot reads all
     * of it (a raw device offers neither cheap change detection nor a reflink clone, so every chunk
     * is hashed, only chunks the pool lacks are stored, and the snapshot is crash-consistent only
     * if nothing writes to the device meanwhile); rollback and receive write the snapshot back onto
     * it. Destroying the volume leaves the device alone. Missing parents are created as file systems.
     *
     * <p>Errors: NOT_FOUND (no such device), INVALID_ARGUMENT (not a block device, a relative path,
     * a pool's root), BUSY (the device, one of its partitions or its disk is mounted, or it is held
     * by device-mapper, md or swap), ALREADY_EXISTS (the dataset exists, or another volume uses the device).
     */
    public Dataset createDeviceVolume(DatasetName name, Path device) {
        BlockDevice.Info info = BlockDevice.checkUnused(device);
        Pool p = pool(name);
        if (name.isPool()) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "a pool's root dataset cannot be a volume");
        }
        for (Pool other : pools.values()) {
            for (Pool.Ds d : other.allDatasets()) {
                if (d.device != null && sameDevice(d.device, info)) {
                    throw DatasetException.exists("a volume on " + device + " (" + d.name + ")");
                }
            }
        }
        List<ReentrantLock> held = lockAll(p, new HashSet<>(name.lineage()));
        try {
            if (p.dsOrNull(name) != null) {
                throw DatasetException.exists("dataset " + name);
            }
            return io("creating volume " + name + " on " + device, () -> {
                for (DatasetName d : name.parent().lineage()) {
                    if (p.dsOrNull(d) == null) {
                        p.createDatasetOnDisk(d, clock.millis());
                    } else if (p.ds(d).isVolume()) {
                        throw new DatasetException(ErrorCode.INVALID_ARGUMENT, d + " is a volume and cannot have children");
                    }
                }
                p.createDatasetOnDisk(name, clock.millis(), info.size(), device);
                return describe(p, p.ds(name));
            });
        } finally {
            unlockAll(held);
        }
    }

    private static boolean sameDevice(Path known, BlockDevice.Info info) {
        if (known.equals(info.path())) {
            return true;
        }
        try {
            return Files.isSameFile(known, info.path());
        } catch (IOException gone) {
            return false;
        }
    }

    /** The block device backing a volume, or empty when its image is a file (or it is a file system). */
    public Optional<Path> volumeDevice(DatasetName volume) {
        return Optional.ofNullable(pool(volume).ds(volume).device);
    }

    /**
     * The image of a volume (read and write it as a block device's contents): the block device of
     * a device-backed volume, else its image file.
     */
    public Path volumePath(DatasetName volume) {
        Pool.Ds d = pool(volume).ds(volume);
        if (!d.isVolume()) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, volume + " is a file system, not a volume");
        }
        return d.image();
    }

    @Override
    public Dataset createDataset(DatasetName name) {
        Pool p = pool(name);
        List<ReentrantLock> held = lockAll(p, new HashSet<>(name.lineage()));
        try {
            if (p.dsOrNull(name) != null) {
                throw DatasetException.exists("dataset " + name);
            }
            for (DatasetName d : name.lineage()) {
                Pool.Ds existing = p.dsOrNull(d);
                if (existing != null && existing.isVolume()) {
                    throw new DatasetException(ErrorCode.INVALID_ARGUMENT, d + " is a volume and cannot have children");
                }
            }
            return io("creating dataset " + name, () -> {
                for (DatasetName d : name.lineage()) {
                    if (p.dsOrNull(d) == null) {
                        p.createDatasetOnDisk(d, clock.millis());
                    }
                }
                return describe(p, p.ds(name));
            });
        } finally {
            unlockAll(held);
        }
    }

    @Override
    public void destroyDataset(DatasetName name, boolean recursive) {
        Pool p = pool(name);
        if (name.isPool()) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "cannot destroy the root dataset of pool " + name);
        }
        p.ds(name);
        Set<DatasetName> names = new HashSet<>();
        for (Pool.Ds d : p.datasetsUnder(name)) {
            names.add(d.name);
        }
        List<ReentrantLock> held = lockAll(p, names);
        try {
            List<Pool.Ds> doomed = p.datasetsUnder(name);
            if (doomed.isEmpty()) {
                throw DatasetException.notFound("dataset " + name);
            }
            if (doomed.size() > 1 && !recursive) {
                throw new DatasetException(ErrorCode.BUSY, "dataset " + name + " has children; destroy them first or destroy recursively");
            }
            synchronized (p) {
                for (Pool.Ds d : doomed) {
                    for (Pool.Snap s : d.snaps) {
                        if (!s.holds.isEmpty()) {
                            throw new DatasetException(ErrorCode.BUSY, "snapshot " + d.name + "@" + s.name + " is held by " + s.holds
                                    + "; release the holds first");
                        }
                    }
                }
            }
            io("destroying dataset " + name, () -> {
                Path trash = p.root.resolve("trash").resolve(Long.toHexString(Pool.newGuid()));
                Files.move(p.node(name), trash);
                Durable.fsyncDir(p.node(name).getParent());
                for (Pool.Ds d : doomed) {
                    p.remove(d.name);
                    p.cache.removeDataset(d.guid);
                }
                Durable.deleteTree(trash);
                return null;
            });
        } finally {
            unlockAll(held);
        }
    }

    @Override
    public List<Snapshot> listSnapshots(DatasetName dataset) {
        Pool p = pool(dataset);
        Pool.Ds d = p.ds(dataset);
        List<Snapshot> out = new ArrayList<>();
        synchronized (p) {
            for (Pool.Snap s : d.snaps) {
                out.add(toSnapshot(dataset, s));
            }
        }
        return out;
    }

    private static Snapshot toSnapshot(DatasetName ds, Pool.Snap s) {
        return new Snapshot(ds.snapshot(s.name), s.header.guid(), s.header.txg(), Instant.ofEpochMilli(s.header.createdMillis()),
                0, s.header.referenced(), s.holds.size());
    }

    // ------------------------------------------------------------------ crash points (tests)

    /** Tests set this to stop an operation at a named point of its commit protocol, as a crash would. */
    static volatile java.util.function.Consumer<String> crashHook = point -> { };

    static void crashPoint(String point) {
        crashHook.accept(point);
    }

    /** For tests: drops every pool as a killed process would (no clean index marker, nothing flushed). */
    synchronized void abandonForTest() {
        for (Pool p : pools.values()) {
            p.abandon();
        }
        pools.clear();
    }

    // ------------------------------------------------------------------ snapshots

    @Override
    public void createSnapshots(List<SnapshotName> snapshots) {
        if (snapshots.isEmpty()) {
            return;
        }
        String poolName = snapshots.get(0).dataset().pool();
        Set<DatasetName> names = new HashSet<>();
        Set<SnapshotName> distinct = new HashSet<>();
        for (SnapshotName s : snapshots) {
            if (!s.dataset().pool().equals(poolName)) {
                throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "an atomic snapshot must stay in one pool: " + snapshots);
            }
            if (!names.add(s.dataset()) || !distinct.add(s)) {
                throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "two snapshots of " + s.dataset() + " in one batch: " + snapshots);
            }
        }
        Pool p = pool(poolName);
        p.gcLock.readLock().lock();
        List<ReentrantLock> held = lockAll(p, names);
        try {
            List<Pool.Ds> dss = new ArrayList<>();
            for (SnapshotName s : snapshots) {
                Pool.Ds d = p.ds(s.dataset());
                synchronized (p) {
                    if (d.find(s.name()) != null) {
                        throw DatasetException.exists("snapshot " + s);
                    }
                }
                dss.add(d);
            }
            io("snapshotting " + snapshots, () -> {
                long txg = p.txg.incrementAndGet();
                long created = clock.millis();
                long fsClock = p.fsClock();
                List<Manifest> manifests = new ArrayList<>();
                try (ChunkStore.Batch batch = p.chunks.batch();
                     ChunkPipeline pipeline = ChunkPipeline.standard(p.chunks, batch, chunker.max())) {
                    TreeScanner scanner = new TreeScanner(pipeline, p.cache, chunker, contentBytesRead);
                    for (int i = 0; i < snapshots.size(); i++) {
                        Pool.Ds d = dss.get(i);
                        TreeScanner.Result r;
                        if (d.device != null) {
                            BlockDevice.inspect(d.device);
                            r = scanner.scanDevice(d.tree(), Pool.VOLUME, d.device, options.chunkAvg(), created * 1_000_000L);
                            liveVolumeReads.increment();
                            LOG.warn("snapshot {} read the live block device {}: a raw device cannot be frozen with a reflink clone, so the "
                                    + "snapshot is crash-consistent only if nothing wrote to the device meanwhile", snapshots.get(i), d.device);
                        } else if (d.isVolume()) {
                            r = scanner.scanVolume(d.tree(), Pool.VOLUME, d.guid, fsClock, options.chunkAvg(), p.tmp());
                            if (r.bytesRead() > 0) {
                                (scanner.lastFreezeReflinked() ? reflinkFreezes : liveVolumeReads).increment();
                                if (!scanner.lastFreezeReflinked()) {
                                    LOG.warn("snapshot {} read the live image file {}: its file system has no reflink clones, so the "
                                            + "snapshot is crash-consistent only if nothing wrote to the volume meanwhile",
                                            snapshots.get(i), d.image());
                                }
                            }
                        } else {
                            r = scanner.scan(d.tree(), d.guid, fsClock);
                        }
                        manifests.add(new Manifest(d.isVolume() ? Manifest.Kind.VOLUME : Manifest.Kind.TREE, d.name.value(),
                                snapshots.get(i).name(), Pool.newGuid(), txg, created, fsClock, r.referenced(), 0, 0, "", r.entries()));
                    }
                    pipeline.close(); // every thread joined: the batch is this thread's again
                    batch.flush();
                } catch (IOException | RuntimeException | Error e) {
                    // The scan recorded files in the change cache with chunk lists this failed batch
                    // may not have made durable; a later snapshot must read those files again rather
                    // than trust the records (it would reference chunks the store does not have).
                    for (Pool.Ds d : dss) {
                        try {
                            p.cache.removeDataset(d.guid);
                        } catch (RuntimeException forget) {
                            e.addSuppressed(forget);
                        }
                    }
                    throw e;
                }
                crashPoint("snapshot-chunks-durable");
                commitManifests(p, dss, manifests);
                return null;
            });
        } finally {
            unlockAll(held);
            p.gcLock.readLock().unlock();
        }
    }

    /**
     * Makes manifests visible together: a journal naming them is written first and removed last, so
     * an open after a crash in between deletes the ones already renamed into place.
     */
    private static void commitManifests(Pool p, List<Pool.Ds> dss, List<Manifest> manifests) throws IOException {
        Path journal = null;
        if (manifests.size() > 1) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < manifests.size(); i++) {
                b.append(p.root.relativize(dss.get(i).manifest(manifests.get(i).snapshot()))).append('\n');
            }
            journal = p.root.resolve("journal-" + manifests.get(0).txg());
            Durable.write(journal, b.toString().getBytes(StandardCharsets.UTF_8));
        }
        for (int i = 0; i < manifests.size(); i++) {
            Durable.write(dss.get(i).manifest(manifests.get(i).snapshot()), manifests.get(i).encode());
            crashPoint("manifest-renamed");
        }
        if (journal != null) {
            Files.delete(journal);
            Durable.fsyncDir(p.root);
        }
        synchronized (p) {
            for (int i = 0; i < manifests.size(); i++) {
                Manifest m = manifests.get(i);
                dss.get(i).snaps.add(new Pool.Snap(m.snapshot(), m.header(), new TreeSet<>()));
            }
        }
    }

    @Override
    public DestroyResult destroySnapshots(List<SnapshotName> snapshots) {
        List<SnapshotName> destroyed = new ArrayList<>();
        Map<SnapshotName, String> skipped = new LinkedHashMap<>();
        for (SnapshotName name : snapshots) {
            Pool p = pools.get(name.dataset().pool());
            Pool.Ds d = p == null ? null : p.dsOrNull(name.dataset());
            if (d == null) {
                skipped.put(name, "does not exist");
                continue;
            }
            ReentrantLock l = p.lock(name.dataset());
            l.lock();
            try {
                Pool.Snap s;
                synchronized (p) {
                    s = d.find(name.name());
                    if (s == null) {
                        skipped.put(name, "does not exist");
                        continue;
                    }
                    if (!s.holds.isEmpty()) {
                        skipped.put(name, "held by " + new TreeSet<>(s.holds));
                        continue;
                    }
                }
                try {
                    Files.deleteIfExists(d.manifest(s.name));
                    Files.deleteIfExists(d.holdsFile(s.name));
                    Durable.fsyncDir(d.manifest(s.name).getParent());
                } catch (IOException e) {
                    skipped.put(name, "could not be removed: " + e.getMessage());
                    continue;
                }
                synchronized (p) {
                    d.snaps.remove(s);
                }
                destroyed.add(name);
            } finally {
                l.unlock();
            }
        }
        return new DestroyResult(destroyed, skipped);
    }

    static void checkTag(String tag) {
        if (tag == null || !tag.matches("[A-Za-z0-9_.:-]{1,200}") || tag.startsWith("-")) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "invalid hold tag '" + tag
                    + "': use 1 to 200 letters, digits, '_', '.', ':', '-', not starting with '-'");
        }
    }

    @Override
    public void hold(SnapshotName snapshot, String tag) {
        checkTag(tag);
        changeHolds(snapshot, tag, true);
    }

    @Override
    public void release(SnapshotName snapshot, String tag) {
        checkTag(tag);
        changeHolds(snapshot, tag, false);
    }

    private void changeHolds(SnapshotName snapshot, String tag, boolean add) {
        Pool p = pool(snapshot.dataset());
        Pool.Ds d = p.ds(snapshot.dataset());
        ReentrantLock l = p.lock(snapshot.dataset());
        l.lock();
        try {
            Pool.Snap s = p.snap(snapshot);
            Set<String> next;
            synchronized (p) {
                next = new TreeSet<>(s.holds);
            }
            if (add && !next.add(tag)) {
                throw DatasetException.exists("hold '" + tag + "' on " + snapshot);
            }
            if (!add && !next.remove(tag)) {
                throw DatasetException.notFound("hold '" + tag + "' on " + snapshot);
            }
            io("writing the holds of " + snapshot, () -> {
                p.writeHolds(d, s.name, next);
                return null;
            });
            synchronized (p) {
                s.holds.clear();
                s.holds.addAll(next);
            }
        } finally {
            l.unlock();
        }
    }

    @Override
    public Set<String> holds(SnapshotName snapshot) {
        Pool p = pool(snapshot.dataset());
        Pool.Snap s = p.snap(snapshot);
        synchronized (p) {
            return Set.copyOf(s.holds);
        }
    }

    // ------------------------------------------------------------------ rollback, restore, browse

    @Override
    public void rollback(SnapshotName snapshot, boolean destroyNewer) {
        Pool p = pool(snapshot.dataset());
        Pool.Ds d = p.ds(snapshot.dataset());
        p.gcLock.readLock().lock();
        ReentrantLock l = p.lock(snapshot.dataset());
        l.lock();
        try {
            Pool.Snap target = p.snap(snapshot);
            List<Pool.Snap> newer = newerThan(p, d, target);
            if (!newer.isEmpty() && !destroyNewer) {
                throw new DatasetException(ErrorCode.BUSY, "rollback to " + snapshot + " would destroy " + newer.size()
                        + " newer snapshot(s); ask for them to be destroyed");
            }
            checkNotHeld(p, d, newer);
            if (target.header.kind() == Manifest.Kind.ZFS_STREAM) {
                throw new DatasetException(ErrorCode.UNSUPPORTED, snapshot + " is a stored ZFS stream, not a file tree; send it to a ZFS pool to restore it");
            }
            if (d.device != null) {
                // refused before anything changes: a mounted device, or one too small for the snapshot
                BlockDevice.Info info = BlockDevice.checkUnused(d.device);
                long need = volumeSize(manifestOf(p, d, snapshot));
                if (info.size() < need) {
                    throw new DatasetException(ErrorCode.NO_SPACE, "the block device " + d.device + " of volume " + d.name + " holds "
                            + info.size() + " bytes, less than the " + need + " bytes of " + snapshot);
                }
            }
            io("rolling back to " + snapshot, () -> {
                Path marker = d.meta().resolve("checkout");
                Durable.write(marker, snapshot.name().getBytes(StandardCharsets.UTF_8));
                removeSnapshots(p, d, newer);
                p.checkout(d, snapshot.name());
                Files.delete(marker);
                Durable.fsyncDir(d.meta());
                return null;
            });
        } finally {
            l.unlock();
            p.gcLock.readLock().unlock();
        }
    }

    private static List<Pool.Snap> newerThan(Pool p, Pool.Ds d, Pool.Snap target) {
        synchronized (p) {
            List<Pool.Snap> out = new ArrayList<>();
            for (Pool.Snap s : d.snaps) {
                if (s.header.txg() > target.header.txg()) {
                    out.add(s);
                }
            }
            return out;
        }
    }

    private static void checkNotHeld(Pool p, Pool.Ds d, List<Pool.Snap> doomed) {
        synchronized (p) {
            for (Pool.Snap n : doomed) {
                if (!n.holds.isEmpty()) {
                    throw new DatasetException(ErrorCode.BUSY, "snapshot " + d.name + "@" + n.name + " is held by " + n.holds
                            + "; release the holds first");
                }
            }
        }
    }

    private static void removeSnapshots(Pool p, Pool.Ds d, List<Pool.Snap> doomed) throws IOException {
        for (Pool.Snap s : doomed) {
            Files.deleteIfExists(d.manifest(s.name));
            Files.deleteIfExists(d.holdsFile(s.name));
        }
        if (!doomed.isEmpty()) {
            Durable.fsyncDir(d.manifest("x").getParent());
        }
        synchronized (p) {
            d.snaps.removeAll(doomed);
        }
    }

    /**
     * Writes one file, symlink or directory tree of a snapshot to {@code destination}, which must not
     * exist (its parent must). {@code pathInSnapshot} is relative to the dataset's root ("" or "/"
     * for all of it). Contents are checked against their hashes; ownership is restored when running
     * as root, modes, times and extended attributes always.
     */
    public void restore(SnapshotName snapshot, String pathInSnapshot, Path destination) {
        Pool p = pool(snapshot.dataset());
        Pool.Ds d = p.ds(snapshot.dataset());
        String path = normalise(pathInSnapshot);
        if (isVolumeSnapshot(p, d, snapshot)) {
            restoreVolumeTo(p, d, snapshot, path, destination);
            return;
        }
        freshDestination(destination, "");
        p.gcLock.readLock().lock();
        try {
            Manifest m = manifestOf(p, d, snapshot);
            boolean found = m.entries().stream().anyMatch(e -> e.path().equals(path));
            if (!found) {
                throw DatasetException.notFound("'" + path + "' in " + snapshot);
            }
            io("restoring " + snapshot + ":" + path, () -> {
                new TreeWriter(p.chunks).write(m, path, destination, (e, f) -> { });
                return null;
            });
        } finally {
            p.gcLock.readLock().unlock();
        }
    }

    /** Checks that a restore may create {@code destination}: it does not exist, its directory does. Returns that directory. */
    private static Path freshDestination(Path destination, String hint) {
        if (Files.exists(destination, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw DatasetException.exists("restore destination " + destination + hint);
        }
        Path parent = destination.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new DatasetException(ErrorCode.NOT_FOUND, "the directory to restore into, " + parent + ", does not exist; create it first");
        }
        return parent;
    }

    private boolean isVolumeSnapshot(Pool p, Pool.Ds d, SnapshotName snapshot) {
        p.gcLock.readLock().lock();
        try {
            return manifestOf(p, d, snapshot).kind() == Manifest.Kind.VOLUME;
        } finally {
            p.gcLock.readLock().unlock();
        }
    }

    /**
     * {@link #restore} of a volume snapshot: the whole image ("" or "/") onto a block device
     * ({@link #restoreVolume}) or into a new image file, which appears under its name only once
     * complete and synced (it is written beside it first; holes stay holes).
     */
    private void restoreVolumeTo(Pool p, Pool.Ds d, SnapshotName snapshot, String path, Path destination) {
        if (!path.isEmpty() && !path.equals(Pool.VOLUME)) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, snapshot + " is a volume snapshot: it is restored whole; give '/' as"
                    + " the path and a block device or a new image file as the destination");
        }
        if (Files.exists(destination) && BlockDevice.isBlockDevice(destination)) {
            restoreVolume(snapshot, destination);
            return;
        }
        Path parent = freshDestination(destination, " (a volume is restored into a new image file or onto a block device)");
        p.gcLock.readLock().lock();
        try {
            Manifest m = manifestOf(p, d, snapshot);
            io("restoring " + snapshot + " into " + destination, () -> {
                // A fresh name each time (two restores never share one); published by a hard link,
                // which unlike a rename fails rather than replace a file that appeared meanwhile.
                Path partial = Files.createTempFile(parent, "." + destination.getFileName() + ".", ".snapferry-partial");
                try {
                    BlockDevice.writeImageFile(partial, Pool.imageChunks(m), p.chunks);
                    Files.createLink(destination, partial);
                    Durable.fsyncDir(parent);
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    throw DatasetException.exists("restore destination " + destination);
                } finally {
                    Files.deleteIfExists(partial);
                }
                return null;
            });
        } finally {
            p.gcLock.readLock().unlock();
        }
    }

    /**
     * Writes a volume snapshot onto the block device {@code device} (for instance a replacement
     * disk), from offset 0: only the chunks that differ from the device's bytes are written, holes
     * as zeros; bytes past the image's end stay. Returns the bytes written. The device is claimed
     * exclusively meanwhile.
     *
     * <p>Errors: INVALID_ARGUMENT (not a volume snapshot, not a block device), NOT_FOUND, BUSY (the
     * device is mounted or held, or backs a volume of this store: roll that volume back instead),
     * NO_SPACE (the device is smaller than the volume).
     */
    public long restoreVolume(SnapshotName snapshot, Path device) {
        Pool p = pool(snapshot.dataset());
        Pool.Ds d = p.ds(snapshot.dataset());
        BlockDevice.Info info = BlockDevice.checkUnused(device);
        for (Pool other : pools.values()) {
            for (Pool.Ds v : other.allDatasets()) {
                if (v.device != null && sameDevice(v.device, info)) {
                    throw new DatasetException(ErrorCode.BUSY, device + " backs volume " + v.name + "; roll that volume back instead");
                }
            }
        }
        p.gcLock.readLock().lock();
        try {
            Manifest m = manifestOf(p, d, snapshot);
            if (m.kind() != Manifest.Kind.VOLUME) {
                throw new DatasetException(ErrorCode.INVALID_ARGUMENT, snapshot + " is not a volume snapshot; restore files with restore()");
            }
            return io("restoring " + snapshot + " onto " + device, () -> BlockDevice.writeImage(device, Pool.imageChunks(m), p.chunks));
        } finally {
            p.gcLock.readLock().unlock();
        }
    }

    /** Lists a directory of a snapshot ("" or "/" for its root), entries by name. */
    public List<BrowseEntry> browse(SnapshotName snapshot, String dir) {
        Pool p = pool(snapshot.dataset());
        Pool.Ds d = p.ds(snapshot.dataset());
        String path = normalise(dir);
        Manifest m = manifestOf(p, d, snapshot);
        Map<String, Manifest.Entry> byPath = new TreeMap<>();
        boolean isDir = false;
        for (Manifest.Entry e : m.entries()) {
            byPath.put(e.path(), e);
            if (e.path().equals(path)) {
                if (e.type() != Manifest.Type.DIR) {
                    throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "'" + path + "' in " + snapshot + " is not a directory");
                }
                isDir = true;
            }
        }
        if (!isDir) {
            throw DatasetException.notFound("directory '" + path + "' in " + snapshot);
        }
        List<BrowseEntry> out = new ArrayList<>();
        for (Manifest.Entry e : m.entries()) {
            if (!e.path().isEmpty() && e.parent().equals(path)) {
                long size = e.size();
                if (e.type() == Manifest.Type.HARDLINK && byPath.containsKey(e.linkTarget())) {
                    size = byPath.get(e.linkTarget()).size();
                }
                out.add(new BrowseEntry(e.name(), e.type().name().toLowerCase(java.util.Locale.ROOT), size, e.mode() & 07777,
                        Instant.ofEpochSecond(0, e.mtime()), e.linkTarget()));
            }
        }
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }

    private static String normalise(String path) {
        String s = path == null ? "" : path;
        while (s.startsWith("/")) {
            s = s.substring(1);
        }
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        for (String part : s.split("/")) {
            if (part.equals("..") || part.equals(".")) {
                throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "path '" + path + "' must not contain '.' or '..'");
            }
        }
        return s;
    }

    private static Manifest manifestOf(Pool p, Pool.Ds d, SnapshotName snapshot) {
        Pool.Snap s = p.snap(snapshot);
        return io("reading the manifest of " + snapshot, () -> p.loadManifest(d, s.name));
    }

    // ------------------------------------------------------------------ written

    @Override
    public long writtenSinceLastSnapshot(DatasetName dataset) {
        Pool p = pool(dataset);
        Pool.Ds d = p.ds(dataset);
        boolean none;
        synchronized (p) {
            none = d.snaps.isEmpty();
        }
        boolean noneFinal = none;
        if (d.device != null) {
            // without a snapshot, what a receive would overwrite: the device's bytes that are not zero
            return io("measuring changes on " + d.device, () -> noneFinal ? BlockDevice.changedBytes(d.device, List.of()) : deviceChanges(p, d));
        }
        return io("measuring changes in " + dataset, () -> changedBytes(p, d, d.tree(), "", noneFinal));
    }

    /** Bytes of a device-backed volume that differ from its newest snapshot: reads all of the device. */
    private static long deviceChanges(Pool p, Pool.Ds d) throws IOException {
        Pool.Snap newest;
        synchronized (p) {
            newest = d.newest();
        }
        return BlockDevice.changedBytes(d.device, Pool.imageChunks(p.loadManifest(d, newest.name)));
    }

    /** Bytes of regular files whose stat fields differ from the change cache (all of them when {@code all}). */
    private long changedBytes(Pool p, Pool.Ds d, Path dir, String rel, boolean all) throws IOException {
        long sum = 0;
        List<Path> kids = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(kids::add);
        } catch (NoSuchFileException gone) {
            return 0;
        }
        for (Path k : kids) {
            String r = rel.isEmpty() ? k.getFileName().toString() : rel + "/" + k.getFileName();
            TreeScanner.Stat st;
            try {
                st = TreeScanner.stat(k);
            } catch (NoSuchFileException gone) {
                continue;
            }
            if (st.type() == 0040000) {
                sum += changedBytes(p, d, k, r, all);
            } else if (st.type() == 0100000) {
                FileCache.Cached c = all ? null : p.cache.get(d.guid, r);
                if (c == null || !c.matches(st.size(), st.mtime(), st.ctime(), st.inode())) {
                    sum += st.size();
                }
            }
        }
        return sum;
    }

    // ------------------------------------------------------------------ send

    @Override
    public InputStream send(SendRequest request) throws IOException {
        if (request.resumeToken().isPresent()) {
            throw new DatasetException(ErrorCode.UNSUPPORTED,
                    "the embedded store has no resume tokens: re-send the stream; chunks already received are not stored twice");
        }
        SnapshotName to = request.snapshot();
        Pool p = pool(to.dataset());
        Pool.Ds d = p.ds(to.dataset());
        Object pin = new Object();
        p.gcLock.readLock().lock();
        try {
            Pool.Snap toSnap = p.snap(to);
            if (toSnap.header.kind() == Manifest.Kind.ZFS_STREAM) {
                if (request.base().isPresent()) {
                    // A stored incremental goes back exactly as it came: from the base it was made against.
                    long fromGuid = zfsStreamInfo(to).orElseThrow().fromGuid();
                    Pool.Snap b = p.snap(request.base().get());
                    if (fromGuid == 0 || b.header.guid() != fromGuid) {
                        throw new DatasetException(ErrorCode.INVALID_ARGUMENT, to + " is a stored ZFS stream; it is sent as it was"
                                + " received, from " + (fromGuid == 0 ? "no base (a full stream)" : "the snapshot with guid "
                                + Long.toUnsignedString(fromGuid)) + ", not from " + request.base().get());
                    }
                }
                Manifest m = manifestOf(p, d, to);
                p.pinned.put(pin, List.of(m));
                return new ZfsStreamOut(p.chunks, m, () -> p.pinned.remove(pin));
            }
            SendPlan plan = planSend(p, d, request, toSnap);
            p.pinned.put(pin, new ArrayList<>(plan.manifests()));
            return new RecordStream.Writer(p.chunks, plan.header(), plan.parts(), () -> p.pinned.remove(pin));
        } finally {
            p.gcLock.readLock().unlock();
        }
    }

    /** What a record stream carries: its header, its records in order, and the manifests it sends. */
    private record SendPlan(RecordStream.Header header, List<RecordStream.Part> parts, List<Manifest> manifests) {
    }

    /** Plans a record-stream send of {@code request} (the caller holds the pool's gc lock shared). */
    private static SendPlan planSend(Pool p, Pool.Ds d, SendRequest request, Pool.Snap toSnap) {
        SnapshotName to = request.snapshot();
        List<Pool.Snap> chain = new ArrayList<>();
        Manifest base = null;
        if (request.base().isPresent()) {
            Pool.Snap b = p.snap(request.base().get());
            if (b.header.txg() >= toSnap.header.txg()) {
                throw new DatasetException(ErrorCode.INVALID_ARGUMENT,
                        "incremental base " + request.base().get() + " is not older than " + to);
            }
            if (b.header.kind() == Manifest.Kind.ZFS_STREAM) {
                throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "incremental base " + request.base().get() + " is a stored ZFS stream");
            }
            base = manifestOf(p, d, request.base().get());
            if (request.intermediates()) {
                synchronized (p) {
                    for (Pool.Snap s : d.snaps) {
                        if (s.header.txg() > b.header.txg() && s.header.txg() < toSnap.header.txg()
                                && s.header.kind() != Manifest.Kind.ZFS_STREAM) {
                            chain.add(s);
                        }
                    }
                }
            }
        }
        chain.add(toSnap);
        List<Manifest> manifests = new ArrayList<>();
        for (Pool.Snap s : chain) {
            manifests.add(manifestOf(p, d, to.dataset().snapshot(s.name)));
        }
        Set<ByteBuffer> have = new HashSet<>();
        if (base != null) {
            for (Manifest.Entry e : base.entries()) {
                for (ChunkRef c : e.chunks()) {
                    have.add(ByteBuffer.wrap(c.hash()));
                }
            }
        }
        List<RecordStream.Part> parts = new ArrayList<>();
        Manifest previous = base;
        for (Manifest m : manifests) {
            for (Manifest.Entry e : m.entries()) {
                for (ChunkRef c : e.chunks()) {
                    if (!c.hole() && have.add(ByteBuffer.wrap(c.hash()))) {
                        parts.add(new RecordStream.ChunkPart(c.hash()));
                    }
                }
            }
            // an incremental's manifests travel as deltas from the one before (the base first)
            parts.add(previous == null ? new RecordStream.ManifestPart(m.encode())
                    : new RecordStream.DeltaPart(ManifestDelta.encode(previous, m)));
            previous = m;
        }
        RecordStream.Header header = new RecordStream.Header(base == null ? 0 : base.guid(), d.guid, manifests.size());
        return new SendPlan(header, parts, manifests);
    }

    /**
     * The exact size of the stream {@link #send} would produce for {@code request}, computed from
     * the manifests and the chunks' stored sizes (the chunks the base lacks; nothing is read but
     * manifests and, where the chunk index misses, a {@code stat} per chunk). A stored ZFS stream
     * answers its recorded length. Empty for a resume token (the store has none). Errors as
     * {@link #send}'s checks.
     */
    @Override
    public java.util.OptionalLong estimateSendSize(SendRequest request) {
        if (request.resumeToken().isPresent()) {
            return java.util.OptionalLong.empty();
        }
        SnapshotName to = request.snapshot();
        Pool p = pool(to.dataset());
        Pool.Ds d = p.ds(to.dataset());
        p.gcLock.readLock().lock();
        try {
            Pool.Snap toSnap = p.snap(to);
            if (toSnap.header.kind() == Manifest.Kind.ZFS_STREAM) {
                return java.util.OptionalLong.of(zfsStreamInfo(to).orElseThrow().bytes());
            }
            SendPlan plan = planSend(p, d, request, toSnap);
            return io("estimating the send of " + to, () -> {
                long size = RecordStream.HEADER;
                for (RecordStream.Part part : plan.parts()) {
                    if (part instanceof RecordStream.ChunkPart c) {
                        size += 5 + 32 + 1 + 4 + p.chunks.storedPayloadLength(c.hash());
                    } else if (part instanceof RecordStream.ManifestPart m) {
                        size += 5 + m.encoded().length;
                    } else if (part instanceof RecordStream.DeltaPart dp) {
                        size += 5 + dp.delta().length;
                    }
                }
                return java.util.OptionalLong.of(size + 5 + 8 + 32);
            });
        } finally {
            p.gcLock.readLock().unlock();
        }
    }

    /** The original bytes of a stored ZFS stream, checked against the SHA-256 recorded at receive. */
    private static final class ZfsStreamOut extends InputStream {
        private final ChunkStore chunks;
        private final List<ChunkRef> refs;
        private final byte[] want;
        private final Runnable release;
        private final MessageDigest sha = Manifest.sha256();
        private int next;
        private ByteBuffer current = ByteBuffer.allocate(0);
        private boolean closed;

        ZfsStreamOut(ChunkStore chunks, Manifest m, Runnable release) {
            this.chunks = chunks;
            this.refs = m.entries().get(0).chunks();
            byte[] w = m.entries().get(0).xattrs().get(ZFS_SHA256);
            this.want = w == null ? new byte[0] : w;
            this.release = release;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (closed) {
                throw new IOException("stream is closed");
            }
            if (len == 0) {
                return 0;
            }
            while (!current.hasRemaining()) {
                if (next == refs.size()) {
                    if (next >= 0 && !MessageDigest.isEqual(sha.digest(), want)) {
                        throw new DatasetException(ErrorCode.CORRUPT_STREAM, "the stored ZFS stream does not match its SHA-256");
                    }
                    next = -1;
                    return -1;
                }
                if (next < 0) {
                    return -1;
                }
                ChunkRef c = refs.get(next++);
                byte[] data = c.hole() ? new byte[c.length()] : chunks.read(c.hash());
                sha.update(data);
                current = ByteBuffer.wrap(data);
            }
            int n = Math.min(len, current.remaining());
            current.get(b, off, n);
            return n;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                release.run();
            }
        }
    }

    // ------------------------------------------------------------------ receive

    @Override
    public ReceiveResult receive(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException {
        return receiveDetailed(target, stream, options).result();
    }

    private static long volumeSize(Manifest m) {
        for (Manifest.Entry e : m.entries()) {
            if (e.path().equals(Pool.VOLUME)) {
                return e.size();
            }
        }
        throw RecordStream.corrupt("a volume manifest without its image");
    }

    /** Counts the bytes that pass, without closing the underlying stream. */
    private static final class Counting extends FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public void close() {
            // the caller closes the stream it gave
        }
    }

    /**
     * {@link #receive} with the store's chunk counts. A stream whose first record is a ZFS
     * BEGIN record (ZFS's magic) is stored as an opaque "zfs-stream snapshot" (see DESIGN.md).
     */
    public StoreReceiveResult receiveDetailed(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException {
        Pool p = pool(target);
        Counting counting = new Counting(stream);
        PushbackInputStream in = new PushbackInputStream(counting, ZFS_BEGIN);
        byte[] head = in.readNBytes(ZFS_BEGIN);
        in.unread(head);
        p.gcLock.readLock().lock();
        ReentrantLock l = p.lock(target);
        l.lock();
        try {
            if (isZfsStream(head)) {
                return receiveZfs(p, target, in, head, counting);
            }
            return receiveRecords(p, target, in, options, counting);
        } finally {
            l.unlock();
            p.gcLock.readLock().unlock();
        }
    }

    static boolean isZfsStream(byte[] head) {
        if (head.length < 16) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(head);
        long le = b.order(ByteOrder.LITTLE_ENDIAN).getLong(8);
        long be = b.order(ByteOrder.BIG_ENDIAN).getLong(8);
        return b.order(ByteOrder.LITTLE_ENDIAN).getInt(0) == 0 && le == ZFS_MAGIC || b.order(ByteOrder.BIG_ENDIAN).getInt(0) == 0 && be == ZFS_MAGIC;
    }

    private StoreReceiveResult receiveRecords(Pool p, DatasetName target, InputStream raw, ReceiveOptions options, Counting counting)
            throws IOException {
        MessageDigest sha = Manifest.sha256();
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 16));
        RecordStream.Header header = RecordStream.readHeader(in, sha);
        Pool.Ds d = p.dsOrNull(target);
        List<Pool.Snap> replaced = new ArrayList<>();
        Pool.Snap baseSnap = null;
        if (header.baseGuid() == 0) {
            DatasetName parent = target.parent();
            if (parent == null || p.dsOrNull(parent) == null) {
                throw DatasetException.notFound("parent of " + target + " (a full stream creates the dataset; its parent must exist)");
            }
            if (d != null) {
                synchronized (p) {
                    if (!d.snaps.isEmpty() && !options.rollback()) {
                        throw DatasetException.exists("dataset " + target + " (a full stream needs a new or empty target, or rollback)");
                    }
                    replaced.addAll(d.snaps);
                }
            }
        } else {
            if (d == null) {
                throw DatasetException.notFound("dataset " + target + " (an incremental stream needs its base there)");
            }
            Pool.Snap base = null;
            Pool.Snap newest;
            synchronized (p) {
                for (Pool.Snap s : d.snaps) {
                    if (s.header.guid() == header.baseGuid()) {
                        base = s;
                    }
                }
                newest = d.newest();
            }
            if (base == null) {
                throw DatasetException.notFound("incremental base (guid " + Long.toHexString(header.baseGuid()) + ") on " + target);
            }
            baseSnap = base;
            if (base != newest) {
                if (!options.rollback()) {
                    throw new DatasetException(ErrorCode.TARGET_MODIFIED, target + " has snapshots after the incremental base");
                }
                replaced.addAll(newerThan(p, d, base));
            } else if (!options.rollback() && (d.device != null ? deviceChanges(p, d) : changedBytes(p, d, d.tree(), "", false)) > 0) {
                throw new DatasetException(ErrorCode.TARGET_MODIFIED, target + " was modified since its newest snapshot");
            }
        }
        if (d != null) {
            checkNotHeld(p, d, replaced);
        }
        if (d != null && d.device != null) {
            BlockDevice.checkUnused(d.device); // before the stream is read: a mounted device is refused at once
        }
        Pool.Ds existing = d;
        Pool.Snap baseOfStream = baseSnap;
        long[] counts = new long[2];
        List<Manifest> incoming = new ArrayList<>();
        try (ChunkStore.Batch batch = p.chunks.batch()) {
            RecordStream.readBody(in, sha, header, new RecordStream.Consumer() {
                @Override
                public void chunk(byte[] hash, ChunkStore.Encoded encoded) throws IOException {
                    if (batch.putEncoded(hash, encoded)) {
                        counts[0]++;
                    } else {
                        counts[1]++;
                    }
                }

                @Override
                public void manifest(Manifest m) {
                    if (m.kind() == Manifest.Kind.ZFS_STREAM || !incoming.isEmpty() && incoming.get(0).kind() != m.kind()) {
                        throw RecordStream.corrupt("a record stream carries tree or volume manifests, all of one kind");
                    }
                    if (existing != null && existing.device != null && m.kind() == Manifest.Kind.VOLUME) {
                        long need = volumeSize(m);
                        long have = BlockDevice.inspect(existing.device).size();
                        if (have < need) {
                            throw new DatasetException(ErrorCode.NO_SPACE, "volume " + target + " is the block device " + existing.device
                                    + " of " + have + " bytes, too small for snapshot " + m.snapshot() + " of " + need
                                    + " bytes; receive into a device of at least " + need + " bytes");
                        }
                    }
                    incoming.add(m);
                }

                @Override
                public void manifestDelta(byte[] delta) throws IOException {
                    Manifest previous;
                    if (!incoming.isEmpty()) {
                        previous = incoming.get(incoming.size() - 1);
                    } else if (baseOfStream != null) {
                        previous = p.loadManifest(existing, baseOfStream.name);
                    } else {
                        throw RecordStream.corrupt("a full stream carries a manifest delta");
                    }
                    if (ManifestDelta.baseGuid(delta) != previous.guid()) {
                        throw RecordStream.corrupt("a manifest delta applies to another snapshot than the one before it");
                    }
                    manifest(ManifestDelta.apply(delta, previous));
                }
            });
            batch.flush();
        }
        // Everything arrived and checked; now every referenced chunk must be here.
        boolean volume = incoming.get(0).kind() == Manifest.Kind.VOLUME;
        if (existing != null && existing.isVolume() != volume) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "the stream carries a " + (volume ? "volume" : "file system")
                    + " but " + target + " is not one");
        }
        Set<String> names = new HashSet<>();
        for (Manifest m : incoming) {
            if (SnapshotName.problem(m.snapshot()) != null || !names.add(m.snapshot())) {
                throw RecordStream.corrupt("the stream carries a bad or repeated snapshot name");
            }
            for (Manifest.Entry e : m.entries()) {
                for (ChunkRef c : e.chunks()) {
                    if (!c.hole() && !p.chunks.has(c.hash())) {
                        throw RecordStream.corrupt("snapshot " + m.snapshot() + " needs chunk " + c.hex()
                                + ", which is neither in the stream nor on " + target);
                    }
                }
            }
        }
        if (d != null) {
            synchronized (p) {
                for (Pool.Snap s : d.snaps) {
                    if (names.contains(s.name) && !replaced.contains(s)) {
                        throw DatasetException.exists("snapshot " + target + "@" + s.name);
                    }
                }
            }
        }
        List<SnapshotName> received = new ArrayList<>();
        for (Manifest m : incoming) {
            received.add(target.snapshot(m.snapshot()));
        }
        if (d == null) {
            commitNewDataset(p, target, incoming);
        } else {
            commitExisting(p, d, incoming, replaced);
        }
        return new StoreReceiveResult(new ReceiveResult(received, counting.count), counts[0], counts[1]);
    }

    /** A new dataset is assembled in tmp/ (metadata and live tree) and renamed into place: one atomic step. */
    private void commitNewDataset(Pool p, DatasetName target, List<Manifest> incoming) throws IOException {
        Path staging = p.tmp().resolve("recv-" + Long.toHexString(Pool.newGuid()));
        try {
            Files.createDirectories(staging.resolve(Pool.META).resolve("snapshots"));
            Files.createDirectories(staging.resolve(Pool.META).resolve("holds"));
            long guid = Pool.newGuid();
            long created = clock.millis();
            List<Manifest> local = new ArrayList<>();
            for (Manifest m : incoming) {
                Manifest r = m.renamed(target.value(), p.txg.incrementAndGet());
                local.add(r);
                Durable.write(staging.resolve(Pool.META).resolve("snapshots").resolve(r.snapshot() + ".manifest"), r.encode());
            }
            Manifest newest = local.get(local.size() - 1);
            new TreeWriter(p.chunks).write(newest, "", staging.resolve(Pool.TREE), (e, f) -> { });
            Durable.syncTree(staging);
            long volsize = newest.kind() == Manifest.Kind.VOLUME ? volumeSize(newest) : 0;
            Pool.writeDatasetFile(staging, guid, created, volsize);
            Path node = p.node(target);
            Files.move(staging, node, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Durable.fsyncDir(node.getParent());
            Pool.Ds d = new Pool.Ds(target, guid, created, node, volsize);
            for (Manifest m : local) {
                d.snaps.add(new Pool.Snap(m.snapshot(), m.header(), new TreeSet<>()));
            }
            p.put(d);
            p.refreshCache(d, newest);
        } finally {
            Durable.deleteTree(staging);
        }
    }

    /**
     * An existing dataset: the checkout marker goes first (an open after a crash finishes the
     * checkout), then the replaced snapshots go, then the new manifests appear under a journal
     * (all or none), then the live tree is updated in place (only what differs is written).
     */
    private void commitExisting(Pool p, Pool.Ds d, List<Manifest> incoming, List<Pool.Snap> replaced) throws IOException {
        Path marker = d.meta().resolve("checkout");
        List<Manifest> local = new ArrayList<>();
        for (Manifest m : incoming) {
            local.add(m.renamed(d.name.value(), p.txg.incrementAndGet()));
        }
        Manifest newest = local.get(local.size() - 1);
        Durable.write(marker, newest.snapshot().getBytes(StandardCharsets.UTF_8));
        removeSnapshots(p, d, replaced);
        List<Pool.Ds> dss = Collections.nCopies(local.size(), d);
        commitManifests(p, dss, local);
        crashPoint("receive-committed");
        p.update(d, newest);
        Files.delete(marker);
        Durable.fsyncDir(d.meta());
    }

    private StoreReceiveResult receiveZfs(Pool p, DatasetName target, PushbackInputStream in, byte[] head, Counting counting)
            throws IOException {
        ByteBuffer b = ByteBuffer.wrap(head);
        b.order(b.order(ByteOrder.LITTLE_ENDIAN).getLong(8) == ZFS_MAGIC ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        if (head.length < ZFS_BEGIN) {
            throw new DatasetException(ErrorCode.CORRUPT_STREAM, "ZFS stream ends inside its BEGIN record");
        }
        long toGuid = b.getLong(8 + 8 + 8 + 8 + 4 + 4);
        long fromGuid = b.getLong(8 + 8 + 8 + 8 + 4 + 4 + 8);
        int nameStart = 8 + 8 + 8 + 8 + 4 + 4 + 8 + 8;
        int end = nameStart;
        while (end < ZFS_BEGIN && head[end] != 0) {
            end++;
        }
        String toName = new String(head, nameStart, end - nameStart, StandardCharsets.UTF_8);
        int at = toName.indexOf('@');
        String snapName = at < 0 ? "" : toName.substring(at + 1);
        if (SnapshotName.problem(snapName) != null) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "the ZFS stream's snapshot name '" + toName
                    + "' cannot be used here: " + SnapshotName.problem(snapName));
        }
        Pool.Ds d = p.dsOrNull(target);
        if (d == null) {
            DatasetName parent = target.parent();
            if (parent == null || p.dsOrNull(parent) == null) {
                throw DatasetException.notFound("parent of " + target);
            }
        } else {
            synchronized (p) {
                if (d.find(snapName) != null) {
                    throw DatasetException.exists("snapshot " + target + "@" + snapName);
                }
            }
        }
        MessageDigest whole = Manifest.sha256();
        List<ChunkRef> refs;
        TreeScanner scanner;
        try (ChunkStore.Batch batch = p.chunks.batch();
             DigestInputStream din = new DigestInputStream(new FilterInputStream(in) {
                 @Override
                 public void close() {
                     // the caller closes its stream
                 }
             }, whole)) {
            scanner = new TreeScanner(ChunkSink.direct(batch, chunker.max()), p.cache, chunker, new LongAdder());
            refs = scanner.chunkChannel(Channels.newChannel(din));
            batch.flush();
        }
        long size = 0;
        for (ChunkRef r : refs) {
            size += r.length();
        }
        Manifest.Entry entry = new Manifest.Entry("stream.zfs", Manifest.Type.FILE, 0100600, 0, 0, clock.millis() * 1_000_000L,
                clock.millis() * 1_000_000L, 0, 0, size, null, Map.of(ZFS_SHA256, whole.digest()), refs);
        Manifest m = new Manifest(Manifest.Kind.ZFS_STREAM, target.value(), snapName, toGuid, 0, clock.millis(), 0, size,
                toGuid, fromGuid, toName, List.of(entry));
        if (d == null) {
            Pool.Ds created = p.createDatasetOnDisk(target, clock.millis());
            d = created;
        }
        Manifest local = m.renamed(target.value(), p.txg.incrementAndGet());
        commitManifests(p, List.of(d), List.of(local));
        return new StoreReceiveResult(new ReceiveResult(List.of(target.snapshot(snapName)), counting.count),
                scanner.chunksNew(), scanner.chunksPresent());
    }

    /** Where a stored ZFS stream came from: the source snapshot's name, its GUID and its base's GUID (0 for a full stream). */
    public record ZfsStreamInfo(String sourceName, long guid, long fromGuid, long bytes) {
    }

    @Override
    public String streamKind(SnapshotName snapshot) {
        return zfsStreamInfo(snapshot).isPresent() ? "zfs" : capabilities().streamKind();
    }

    /** The source of a snapshot that is a stored ZFS stream, or empty for a file-tree snapshot. */
    public Optional<ZfsStreamInfo> zfsStreamInfo(SnapshotName snapshot) {
        Pool p = pool(snapshot.dataset());
        Pool.Snap s = p.snap(snapshot);
        if (s.header.kind() != Manifest.Kind.ZFS_STREAM) {
            return Optional.empty();
        }
        return Optional.of(new ZfsStreamInfo(s.header.sourceName(), s.header.sourceGuid(), s.header.sourceFromGuid(), s.header.referenced()));
    }

    @Override
    public Optional<String> resumeToken(DatasetName target) {
        return Optional.empty();
    }

    @Override
    public void abortResumableReceive(DatasetName target) {
        // Nothing partial is ever visible; chunks of an interrupted receive stay until garbage
        // collection's grace period has passed, so that a re-run does not store them again.
    }

    // ------------------------------------------------------------------ maintenance

    /**
     * Mark and sweep: every chunk referenced by a manifest (or by a send in progress) is kept;
     * others older than the grace period are deleted. Holds the pool's lock exclusively, so no
     * snapshot or receive runs meanwhile.
     */
    public GcReport collectGarbage(String pool) {
        Pool p = pool(pool);
        p.gcLock.writeLock().lock();
        try {
            return io("collecting garbage in pool " + pool, () -> {
                long start = clock.millis();
                Set<ByteBuffer> live = new HashSet<>();
                for (Pool.Ds d : p.allDatasets()) {
                    List<Pool.Snap> snaps;
                    synchronized (p) {
                        snaps = new ArrayList<>(d.snaps);
                    }
                    for (Pool.Snap s : snaps) {
                        Manifest m;
                        try {
                            m = p.loadManifest(d, s.name);
                        } catch (NoSuchFileException destroyedMeanwhile) {
                            continue;
                        } catch (DatasetException damaged) {
                            throw new DatasetException(ErrorCode.QUARANTINED, "manifest of " + d.name + "@" + s.name
                                    + " is damaged; garbage collection stops so as not to free chunks it may need: " + damaged.getMessage());
                        }
                        mark(live, m);
                    }
                }
                for (List<Manifest> ms : p.pinned.values()) {
                    for (Manifest m : ms) {
                        mark(live, m);
                    }
                }
                return sweep(p, live, start - options.gcGrace().toMillis(), pool);
            });
        } finally {
            p.gcLock.writeLock().unlock();
        }
    }

    /** Pack files whose live bytes are at most this fraction of their size are rewritten. */
    static final double REWRITE_BELOW = 0.5;

    /**
     * The sweep (under the exclusive lock): unreferenced chunks past the grace period leave the
     * index; a pack with nothing live left is deleted, one mostly dead is rewritten (its live
     * entries copied to a new pack, made durable and re-indexed before the old pack goes). A pack
     * modified within the grace period is left whole: its unreferenced chunks may belong to an
     * interrupted receive that will be re-run. Legacy chunk files go one by one, by their mtime.
     */
    private static GcReport sweep(Pool p, Set<ByteBuffer> live, long cutoff, String pool) throws IOException {
        long[] n = new long[4];
        p.chunks.retireIdlePacks();
        for (int id : p.chunks.packIds()) {
            ChunkStore.PackScan scan;
            try {
                scan = p.chunks.scan(id, false);
            } catch (NoSuchFileException gone) {
                continue;
            }
            boolean young = Files.getLastModifiedTime(p.chunks.packPath(id)).toMillis() > cutoff;
            long liveBytes = 0;
            List<ChunkStore.PackEntry> keep = new ArrayList<>();
            List<ChunkStore.PackEntry> dead = new ArrayList<>();
            for (ChunkStore.PackEntry e : scan.entries()) {
                Long at = p.chunks.locate(e.hash());
                if (at == null || at != e.location()) {
                    continue; // a duplicate, or a chunk verify found damaged: not the indexed copy
                }
                if (live.contains(ByteBuffer.wrap(e.hash()))) {
                    n[0]++;
                    liveBytes += e.size();
                    keep.add(e);
                } else if (young) {
                    n[1]++;
                } else {
                    dead.add(e);
                }
            }
            if (young) {
                continue;
            }
            for (ChunkStore.PackEntry e : dead) {
                if (p.chunks.unindex(e.hash(), e.location())) {
                    n[2]++;
                }
            }
            if (liveBytes == 0) {
                p.chunks.deletePack(id);
                n[3] += scan.fileSize();
            } else if (liveBytes <= scan.fileSize() * REWRITE_BELOW) {
                try (ChunkStore.Batch batch = p.chunks.batch()) {
                    for (ChunkStore.PackEntry e : keep) {
                        batch.copy(e.hash(), p.chunks.readEntry(e.hash(), e.location()));
                    }
                    batch.flush();
                }
                p.chunks.deletePack(id);
                n[3] += scan.fileSize() - liveBytes;
            }
        }
        List<byte[]> doomed = new ArrayList<>();
        p.chunks.forEachLoose(h -> {
            if (live.contains(ByteBuffer.wrap(h))) {
                n[0]++;
                return;
            }
            try {
                if (Files.getLastModifiedTime(p.chunks.path(h)).toMillis() > cutoff) {
                    n[1]++;
                } else {
                    doomed.add(h);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        for (byte[] h : doomed) {
            n[3] += p.chunks.deleteLoose(h);
            n[2]++;
        }
        return new GcReport(pool, n[0], n[1], n[2], n[3]);
    }

    private static void mark(Set<ByteBuffer> live, Manifest m) {
        for (Manifest.Entry e : m.entries()) {
            for (ChunkRef c : e.chunks()) {
                if (!c.hole()) {
                    live.add(ByteBuffer.wrap(c.hash()));
                }
            }
        }
    }

    /**
     * Re-reads and re-hashes every chunk of a pool and checks every manifest. Damaged chunks are
     * moved to {@code quarantine/} (so the same data stored again by a snapshot or receive heals
     * the store) and reported with the snapshots that reference them.
     */
    public VerifyReport verify(String pool) {
        Pool p = pool(pool);
        p.gcLock.writeLock().lock();
        try {
            return io("verifying pool " + pool, () -> {
                Set<ByteBuffer> damaged = new HashSet<>();
                long[] n = new long[2];
                List<Object[]> all = new ArrayList<>();
                p.chunks.forEachIndexed((h, at) -> all.add(new Object[] {h.clone(), at}));
                all.sort(java.util.Comparator.comparingLong(o -> (Long) o[1])); // pack by pack, in file order
                for (Object[] o : all) {
                    byte[] h = (byte[]) o[0];
                    try {
                        byte[] raw = p.chunks.read(h);
                        n[0]++;
                        n[1] += raw.length;
                    } catch (DatasetException bad) {
                        n[0]++;
                        damaged.add(ByteBuffer.wrap(h));
                    }
                }
                for (ByteBuffer h : damaged) {
                    byte[] hash = h.array();
                    Long at = p.chunks.locate(hash);
                    if (at != null && at == ChunkStore.LOOSE) {
                        p.indexes.chunks().remove(hash);
                        Path q = p.root.resolve("quarantine").resolve(HexFormat.of().formatHex(hash));
                        Files.move(p.chunks.path(hash), q, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    } else if (at != null) {
                        // the damaged entry stays in its pack, unindexed; a new copy can be stored
                        p.chunks.unindex(hash, at);
                    }
                }
                Map<String, List<SnapshotName>> damagedRefs = new TreeMap<>();
                Map<String, List<SnapshotName>> missingRefs = new TreeMap<>();
                List<String> badManifests = new ArrayList<>();
                for (Pool.Ds d : p.allDatasets()) {
                    List<Pool.Snap> snaps;
                    synchronized (p) {
                        snaps = new ArrayList<>(d.snaps);
                    }
                    for (Pool.Snap s : snaps) {
                        SnapshotName sn = d.name.snapshot(s.name);
                        Manifest m;
                        try {
                            m = p.loadManifest(d, s.name);
                        } catch (NoSuchFileException destroyedMeanwhile) {
                            continue;
                        } catch (DatasetException bad) {
                            badManifests.add(sn + ": " + bad.getMessage());
                            continue;
                        }
                        Set<String> seen = new HashSet<>();
                        for (Manifest.Entry e : m.entries()) {
                            for (ChunkRef c : e.chunks()) {
                                if (c.hole() || !seen.add(c.hex())) {
                                    continue;
                                }
                                if (damaged.contains(ByteBuffer.wrap(c.hash()))) {
                                    damagedRefs.computeIfAbsent(c.hex(), k -> new ArrayList<>()).add(sn);
                                } else if (!p.chunks.has(c.hash())) {
                                    missingRefs.computeIfAbsent(c.hex(), k -> new ArrayList<>()).add(sn);
                                }
                            }
                        }
                    }
                }
                for (ByteBuffer h : damaged) {
                    damagedRefs.putIfAbsent(HexFormat.of().formatHex(h.array()), List.of());
                }
                missingRefs.keySet().removeAll(damagedRefs.keySet());
                return new VerifyReport(pool, n[0], n[1], damagedRefs, missingRefs, badManifests);
            });
        } finally {
            p.gcLock.writeLock().unlock();
        }
    }

    /** Rebuilds a pool's indexes from its files (what an open after a crash does by itself). */
    public void rebuildIndexes(String pool) {
        Pool p = pool(pool);
        p.gcLock.writeLock().lock();
        try {
            io("rebuilding the indexes of pool " + pool, () -> {
                p.rebuildIndexes();
                return null;
            });
        } finally {
            p.gcLock.writeLock().unlock();
        }
    }

    /** Counters since the store was opened. */
    public StoreStats stats() {
        long stored = 0;
        long dedup = 0;
        for (Pool p : pools.values()) {
            stored += p.chunks.storedCount();
            dedup += p.chunks.deduplicatedCount();
        }
        return new StoreStats(contentBytesRead.sum(), stored, dedup, reflinkFreezes.sum(), liveVolumeReads.sum());
    }

    /** The number of chunks in a pool's index (packed or in legacy chunk files). */
    public long chunkCount(String pool) {
        return pool(pool).chunks.indexedCount();
    }

    /** Closes every pool: indexes are marked clean and the directory locks released. Idempotent. */
    @Override
    public synchronized void close() {
        IOException first = null;
        for (Pool p : pools.values()) {
            try {
                p.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        pools.clear();
        if (first != null) {
            throw failure("closing the store", first);
        }
    }
}
