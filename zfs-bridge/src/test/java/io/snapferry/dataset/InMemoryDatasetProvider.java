package io.snapferry.dataset;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

/**
 * The hand-written fake of the dataset SPI: pools, datasets and snapshots in memory, with a send
 * stream of its own that carries file contents, so tests above the SPI can move real data. It
 * follows the same contract as the real providers ({@link DatasetProviderContract} runs against it).
 */
public final class InMemoryDatasetProvider implements DatasetProvider {
    private static final int MAGIC = 0x4d454d53; // "MEMS"

    private final Clock clock;
    // Each instance draws its GUIDs from its own random range, as two ZFS pools would, so that two
    // fakes standing for two boxes never share a GUID by accident.
    private final AtomicLong guids = new AtomicLong(java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 20, 1L << 50) << 8);
    private final AtomicLong txg = new AtomicLong(1);
    private final Set<String> pools = new TreeSet<>();
    private final Map<DatasetName, Ds> datasets = new TreeMap<>();
    private long poolSize = 1L << 40;

    private static final class Ds {
        final long guid;
        TreeMap<String, byte[]> files = new TreeMap<>();
        long written;
        final List<Snap> snaps = new ArrayList<>();

        Ds(long guid) {
            this.guid = guid;
        }
    }

    private record Snap(String name, long guid, long txg, long createdMillis, TreeMap<String, byte[]> files, Set<String> holds) {
    }

    public InMemoryDatasetProvider(Clock clock, String... poolNames) {
        this.clock = clock;
        for (String p : poolNames) {
            addPool(p);
        }
    }

    public synchronized void addPool(String pool) {
        DatasetName root = DatasetName.of(pool);
        pools.add(pool);
        datasets.putIfAbsent(root, new Ds(guids.incrementAndGet()));
    }

    /** Sets every pool's size, to test space checks. */
    public synchronized void setPoolSize(long bytes) {
        this.poolSize = bytes;
    }

    /** Writes a file into a dataset (the fake's stand-in for writing below its mountpoint). */
    public synchronized void write(DatasetName dataset, String path, byte[] data) {
        Ds ds = ds(dataset);
        ds.files.put(path, data.clone());
        ds.written += data.length;
    }

    /** Reads a file from a dataset's live state, or null. */
    public synchronized byte[] read(DatasetName dataset, String path) {
        byte[] b = ds(dataset).files.get(path);
        return b == null ? null : b.clone();
    }

    private Ds ds(DatasetName name) {
        Ds ds = datasets.get(name);
        if (ds == null) {
            throw DatasetException.notFound("dataset " + name);
        }
        return ds;
    }

    private Snap snap(SnapshotName name) {
        Ds ds = datasets.get(name.dataset());
        if (ds != null) {
            for (Snap s : ds.snaps) {
                if (s.name.equals(name.name())) {
                    return s;
                }
            }
        }
        throw DatasetException.notFound("snapshot " + name);
    }

    @Override
    public String kind() {
        return "memory";
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(false, false, "memory");
    }

    @Override
    public synchronized List<String> pools() {
        return List.copyOf(pools);
    }

    @Override
    public synchronized PoolSpace space(String pool) {
        if (!pools.contains(pool)) {
            throw DatasetException.notFound("pool " + pool);
        }
        long used = 0;
        for (Map.Entry<DatasetName, Ds> e : datasets.entrySet()) {
            if (e.getKey().pool().equals(pool)) {
                used += size(e.getValue().files);
                for (Snap s : e.getValue().snaps) {
                    used += size(s.files);
                }
            }
        }
        return new PoolSpace(pool, poolSize, used, Math.max(0, poolSize - used), "ONLINE");
    }

    private static long size(Map<String, byte[]> files) {
        long n = 0;
        for (byte[] b : files.values()) {
            n += b.length;
        }
        return n;
    }

    @Override
    public synchronized List<Dataset> listDatasets(Optional<DatasetName> root) {
        if (root.isPresent() && !datasets.containsKey(root.get())) {
            throw DatasetException.notFound("dataset " + root.get());
        }
        List<DatasetName> names = new ArrayList<>();
        for (DatasetName n : datasets.keySet()) {
            if (root.isEmpty() || root.get().contains(n)) {
                names.add(n);
            }
        }
        names.sort((a, b) -> a.value().replace('/', '\0').compareTo(b.value().replace('/', '\0')));
        List<Dataset> out = new ArrayList<>();
        for (DatasetName n : names) {
            Ds ds = datasets.get(n);
            PoolSpace sp = space(n.pool());
            out.add(new Dataset(n, Dataset.Kind.FILESYSTEM, ds.guid, size(ds.files), sp.free(),
                    Optional.empty(), false));
        }
        return out;
    }

    @Override
    public synchronized Dataset createDataset(DatasetName name) {
        if (!pools.contains(name.pool())) {
            throw DatasetException.notFound("pool " + name.pool());
        }
        if (datasets.containsKey(name)) {
            throw DatasetException.exists("dataset " + name);
        }
        for (DatasetName d : name.lineage()) {
            datasets.putIfAbsent(d, new Ds(guids.incrementAndGet()));
        }
        return dataset(name);
    }

    @Override
    public synchronized void destroyDataset(DatasetName name, boolean recursive) {
        ds(name);
        if (name.isPool()) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "cannot destroy the root dataset of pool " + name);
        }
        List<DatasetName> doomed = new ArrayList<>();
        for (DatasetName n : datasets.keySet()) {
            if (name.contains(n)) {
                doomed.add(n);
            }
        }
        if (doomed.size() > 1 && !recursive) {
            throw new DatasetException(ErrorCode.BUSY, "dataset " + name + " has children; destroy them first or destroy recursively");
        }
        for (DatasetName n : doomed) {
            for (Snap s : datasets.get(n).snaps) {
                if (!s.holds.isEmpty()) {
                    throw new DatasetException(ErrorCode.BUSY, "snapshot " + n + "@" + s.name + " is held by " + s.holds);
                }
            }
        }
        doomed.forEach(datasets::remove);
    }

    @Override
    public synchronized List<Snapshot> listSnapshots(DatasetName dataset) {
        Ds ds = ds(dataset);
        List<Snapshot> out = new ArrayList<>();
        for (Snap s : ds.snaps) {
            out.add(toSnapshot(dataset, s));
        }
        return out;
    }

    private Snapshot toSnapshot(DatasetName dataset, Snap s) {
        long size = size(s.files);
        return new Snapshot(dataset.snapshot(s.name), s.guid, s.txg, java.time.Instant.ofEpochMilli(s.createdMillis),
                0, size, s.holds.size());
    }

    @Override
    public synchronized void createSnapshots(List<SnapshotName> snapshots) {
        if (snapshots.isEmpty()) {
            return;
        }
        String pool = snapshots.get(0).dataset().pool();
        for (SnapshotName s : snapshots) {
            if (!s.dataset().pool().equals(pool)) {
                throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "an atomic snapshot must stay in one pool: " + snapshots);
            }
            Ds ds = ds(s.dataset());
            for (Snap existing : ds.snaps) {
                if (existing.name.equals(s.name())) {
                    throw DatasetException.exists("snapshot " + s);
                }
            }
        }
        long t = txg.incrementAndGet();
        for (SnapshotName s : snapshots) {
            Ds ds = datasets.get(s.dataset());
            ds.snaps.add(new Snap(s.name(), guids.incrementAndGet(), t, clock.millis(), new TreeMap<>(ds.files), new HashSet<>()));
            ds.written = 0;
        }
    }

    @Override
    public synchronized DestroyResult destroySnapshots(List<SnapshotName> snapshots) {
        List<SnapshotName> destroyed = new ArrayList<>();
        Map<SnapshotName, String> skipped = new LinkedHashMap<>();
        for (SnapshotName name : snapshots) {
            Snap s;
            try {
                s = snap(name);
            } catch (DatasetException e) {
                skipped.put(name, "does not exist");
                continue;
            }
            if (!s.holds.isEmpty()) {
                skipped.put(name, "held by " + new TreeSet<>(s.holds));
                continue;
            }
            datasets.get(name.dataset()).snaps.remove(s);
            destroyed.add(name);
        }
        return new DestroyResult(destroyed, skipped);
    }

    @Override
    public synchronized void hold(SnapshotName snapshot, String tag) {
        checkTag(tag);
        if (!snap(snapshot).holds.add(tag)) {
            throw DatasetException.exists("hold '" + tag + "' on " + snapshot);
        }
    }

    @Override
    public synchronized void release(SnapshotName snapshot, String tag) {
        checkTag(tag);
        if (!snap(snapshot).holds.remove(tag)) {
            throw DatasetException.notFound("hold '" + tag + "' on " + snapshot);
        }
    }

    static void checkTag(String tag) {
        if (tag == null || !tag.matches("[A-Za-z0-9_.:-]{1,200}") || tag.startsWith("-")) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "invalid hold tag '" + tag + "'");
        }
    }

    @Override
    public synchronized Set<String> holds(SnapshotName snapshot) {
        return Set.copyOf(snap(snapshot).holds);
    }

    @Override
    public synchronized void rollback(SnapshotName snapshot, boolean destroyNewer) {
        Ds ds = ds(snapshot.dataset());
        Snap target = snap(snapshot);
        int idx = ds.snaps.indexOf(target);
        List<Snap> newer = ds.snaps.subList(idx + 1, ds.snaps.size());
        if (!newer.isEmpty() && !destroyNewer) {
            throw new DatasetException(ErrorCode.BUSY, "rollback to " + snapshot + " would destroy " + newer.size()
                    + " newer snapshot(s); ask for them to be destroyed");
        }
        for (Snap n : newer) {
            if (!n.holds.isEmpty()) {
                throw new DatasetException(ErrorCode.BUSY, "newer snapshot " + n.name + " is held by " + n.holds);
            }
        }
        newer.clear();
        ds.files = new TreeMap<>(target.files);
        ds.written = 0;
    }

    @Override
    public synchronized long writtenSinceLastSnapshot(DatasetName dataset) {
        return ds(dataset).written;
    }

    @Override
    public synchronized InputStream send(SendRequest request) throws IOException {
        if (request.resumeToken().isPresent()) {
            throw new DatasetException(ErrorCode.UNSUPPORTED, "the in-memory provider has no resumable receive");
        }
        Ds ds = ds(request.snapshot().dataset());
        Snap to = snap(request.snapshot());
        List<Snap> chain = new ArrayList<>();
        Snap base = null;
        if (request.base().isPresent()) {
            base = snap(request.base().get());
            if (base.txg >= to.txg) {
                throw new DatasetException(ErrorCode.INVALID_ARGUMENT,
                        "incremental base " + request.base().get() + " is not older than " + request.snapshot());
            }
            for (Snap s : ds.snaps) {
                if (s.txg > base.txg && s.txg < to.txg && request.intermediates()) {
                    chain.add(s);
                }
            }
        }
        chain.add(to);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(MAGIC);
        out.writeLong(ds.guid);
        out.writeLong(base == null ? 0 : base.guid);
        out.writeInt(chain.size());
        for (Snap s : chain) {
            out.writeUTF(s.name);
            out.writeLong(s.guid);
            out.writeLong(s.createdMillis);
            out.writeInt(s.files.size());
            for (Map.Entry<String, byte[]> f : s.files.entrySet()) {
                out.writeUTF(f.getKey());
                out.writeInt(f.getValue().length);
                out.write(f.getValue());
            }
        }
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        out.writeLong(crc.getValue());
        out.flush();
        return new ByteArrayInputStream(bytes.toByteArray());
    }

    @Override
    public ReceiveResult receive(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException {
        // Read and check the whole stream before touching state: a bad stream changes nothing.
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        stream.transferTo(copy);
        byte[] all = copy.toByteArray();
        if (all.length < 8 + 4) {
            throw new DatasetException(ErrorCode.CORRUPT_STREAM, "stream truncated (" + all.length + " bytes)");
        }
        CRC32 crc = new CRC32();
        crc.update(all, 0, all.length - 8);
        long want = java.nio.ByteBuffer.wrap(all, all.length - 8, 8).getLong();
        if (crc.getValue() != want) {
            throw new DatasetException(ErrorCode.CORRUPT_STREAM, "stream checksum mismatch: truncated or damaged");
        }
        List<Snap> incoming = new ArrayList<>();
        long baseGuid;
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(all, 0, all.length - 8))) {
            if (in.readInt() != MAGIC) {
                throw new DatasetException(ErrorCode.CORRUPT_STREAM, "not an in-memory send stream");
            }
            in.readLong();
            baseGuid = in.readLong();
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                long guid = in.readLong();
                long created = in.readLong();
                int files = in.readInt();
                TreeMap<String, byte[]> content = new TreeMap<>();
                for (int f = 0; f < files; f++) {
                    String path = in.readUTF();
                    byte[] data = new byte[in.readInt()];
                    in.readFully(data);
                    content.put(path, data);
                }
                incoming.add(new Snap(name, guid, 0, created, content, new HashSet<>()));
            }
        } catch (EOFException e) {
            throw new DatasetException(ErrorCode.CORRUPT_STREAM, "stream truncated", e);
        }
        synchronized (this) {
            Ds ds = datasets.get(target);
            if (baseGuid == 0) {
                if (ds != null && !ds.snaps.isEmpty() && !options.rollback()) {
                    throw DatasetException.exists("dataset " + target + " (a full stream needs a new or empty target)");
                }
                DatasetName parent = target.parent();
                if (parent == null || !datasets.containsKey(parent)) {
                    throw DatasetException.notFound("parent of " + target);
                }
                if (ds == null) {
                    ds = new Ds(guids.incrementAndGet());
                    datasets.put(target, ds);
                } else {
                    for (Snap s : ds.snaps) {
                        if (!s.holds.isEmpty()) {
                            throw new DatasetException(ErrorCode.BUSY, "cannot replace " + target + ": " + s.name + " is held");
                        }
                    }
                    ds.snaps.clear();
                }
            } else {
                if (ds == null) {
                    throw DatasetException.notFound("dataset " + target + " (an incremental stream needs its base there)");
                }
                Snap newest = ds.snaps.isEmpty() ? null : ds.snaps.get(ds.snaps.size() - 1);
                Snap base = null;
                for (Snap s : ds.snaps) {
                    if (s.guid == baseGuid) {
                        base = s;
                    }
                }
                if (base == null) {
                    throw DatasetException.notFound("incremental base (guid " + Long.toHexString(baseGuid) + ") on " + target);
                }
                if (base != newest) {
                    if (!options.rollback()) {
                        throw new DatasetException(ErrorCode.TARGET_MODIFIED, target + " has snapshots after the incremental base");
                    }
                    rollback(target.snapshot(base.name), true);
                } else if (ds.written > 0) {
                    if (!options.rollback()) {
                        throw new DatasetException(ErrorCode.TARGET_MODIFIED, target + " was modified since its newest snapshot");
                    }
                    ds.files = new TreeMap<>(base.files);
                }
            }
            for (Snap s : incoming) {
                for (Snap have : ds.snaps) {
                    if (have.name.equals(s.name)) {
                        throw DatasetException.exists("snapshot " + target + "@" + s.name);
                    }
                }
            }
            List<SnapshotName> received = new ArrayList<>();
            for (Snap s : incoming) {
                ds.snaps.add(new Snap(s.name, s.guid, txg.incrementAndGet(), s.createdMillis, s.files, new HashSet<>()));
                ds.files = new TreeMap<>(s.files);
                received.add(target.snapshot(s.name));
            }
            ds.written = 0;
            return new ReceiveResult(received, all.length);
        }
    }

    @Override
    public Optional<String> resumeToken(DatasetName target) {
        return Optional.empty();
    }

    @Override
    public void abortResumableReceive(DatasetName target) {
    }

    /** For tests that need to look at raw state: every dataset name. */
    public synchronized Set<DatasetName> datasetNames() {
        return new TreeSet<>(datasets.keySet());
    }

    /** Snapshot contents, for tests that compare what arrived. */
    public synchronized Map<String, byte[]> snapshotFiles(SnapshotName name) {
        return new HashMap<>(snap(name).files);
    }
}
