package io.snapferry.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A storage backend: ZFS pools, the embedded store, or the in-memory fake.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Threading.</b> Implementations are safe for concurrent use. Operations on different
 *       datasets may run in parallel; operations on one dataset are serialised by the provider
 *       where the backend needs it.</li>
 *   <li><b>Errors.</b> Failures a caller can act on are {@link DatasetException}s:
 *       {@link ErrorCode#NOT_FOUND} when the dataset, snapshot or pool is absent,
 *       {@link ErrorCode#ALREADY_EXISTS}, {@link ErrorCode#BUSY} (retry later),
 *       {@link ErrorCode#NO_SPACE}, {@link ErrorCode#UNSUPPORTED} (permanent on this provider),
 *       {@link ErrorCode#CORRUPT_STREAM}. {@link IOException} means the transport of bytes failed.</li>
 *   <li><b>Ordering.</b> Lists of snapshots are oldest first (by {@link Snapshot#createTxg()}).
 *       Lists of datasets are parents before children, siblings by name.</li>
 *   <li><b>Streams.</b> {@link #send} returns a stream the caller must close; closing it before
 *       the end aborts the send and releases everything it held. A failure of the producer is
 *       reported by {@code read} or {@code close} throwing, never by a short stream that looks
 *       complete. {@link #receive} reads its stream to the end but does not close it.</li>
 *   <li><b>Atomicity.</b> {@link #createSnapshots} creates all or none. {@link #receive} either
 *       completes or leaves the target at its previous newest snapshot: a failed receive never
 *       leaves a partial snapshot visible.</li>
 * </ul>
 */
public interface DatasetProvider extends AutoCloseable {

    /** A short name for logs and the UI: "zfs", "embedded", "memory". */
    String kind();

    Capabilities capabilities();

    /** The pools this provider owns. */
    List<String> pools();

    PoolSpace space(String pool);

    /** Datasets at and below {@code root}; all datasets of every pool when empty. */
    List<Dataset> listDatasets(Optional<DatasetName> root);

    /** One dataset; {@link ErrorCode#NOT_FOUND} when absent. */
    default Dataset dataset(DatasetName name) {
        List<Dataset> found = listDatasets(Optional.of(name));
        if (found.isEmpty()) {
            throw DatasetException.notFound("dataset " + name);
        }
        return found.get(0);
    }

    default boolean exists(DatasetName name) {
        try {
            dataset(name);
            return true;
        } catch (DatasetException e) {
            if (e.code() == ErrorCode.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    /** Creates a file-system dataset, and its missing parents. Idempotent only in that an existing one gives ALREADY_EXISTS. */
    Dataset createDataset(DatasetName name);

    /** Destroys a dataset with its snapshots; with {@code recursive} also its children. Held snapshots make it BUSY. */
    void destroyDataset(DatasetName name, boolean recursive);

    /** Snapshots of one dataset, oldest first. */
    List<Snapshot> listSnapshots(DatasetName dataset);

    /**
     * The snapshots of {@code root} and of every dataset below it, in one listing: grouped by
     * dataset, datasets in tree order (parents first, siblings by name), each dataset's snapshots
     * oldest first. Datasets without snapshots contribute nothing. {@link ErrorCode#NOT_FOUND} when
     * {@code root} is absent. The listing is one observation, not a transaction: a snapshot taken
     * while it runs may or may not appear.
     *
     * <p>The default lists the datasets and then each one's snapshots; a provider that can list a
     * whole tree in one step (one {@code zfs list -r}, one command over SSH) overrides it.
     */
    default List<Snapshot> listSnapshotsBelow(DatasetName root) {
        List<Dataset> datasets = listDatasets(Optional.of(root));
        if (datasets.isEmpty()) {
            throw DatasetException.notFound("dataset " + root);
        }
        List<Snapshot> out = new ArrayList<>();
        for (Dataset d : datasets) {
            try {
                out.addAll(listSnapshots(d.name()));
            } catch (DatasetException e) {
                if (e.code() != ErrorCode.NOT_FOUND) {
                    throw e; // a dataset destroyed while the tree is listed simply has no snapshots
                }
            }
        }
        return out;
    }

    /**
     * The datasets at and below {@code root}, their snapshots and the hold tags of the held ones,
     * as one look at the tree (see {@link DatasetTree}); {@link ErrorCode#NOT_FOUND} when
     * {@code root} is absent. Like {@link #listSnapshotsBelow} an observation, not a transaction.
     *
     * <p>The default is {@link #listDatasets}, {@link #listSnapshotsBelow} and {@link #holdsOf} of
     * the held snapshots; a provider that can answer all three in one step overrides it.
     */
    default DatasetTree listTree(DatasetName root) {
        return DatasetTree.of(root, () -> listDatasets(Optional.of(root)), () -> listSnapshotsBelow(root), this::holdsOf);
    }

    /**
     * Creates the snapshots in one atomic step: all appear at the same instant or none does. They
     * must be in one pool. Fails with ALREADY_EXISTS if any exists.
     */
    void createSnapshots(List<SnapshotName> snapshots);

    /** Destroys what it can; held or busy snapshots are skipped with the reason, missing ones too. */
    DestroyResult destroySnapshots(List<SnapshotName> snapshots);

    /** Places a user hold. Holding twice with the same tag gives ALREADY_EXISTS. */
    void hold(SnapshotName snapshot, String tag);

    /** Releases a user hold; NOT_FOUND when the hold is not there. */
    void release(SnapshotName snapshot, String tag);

    /** The tags of the holds on a snapshot. */
    Set<String> holds(SnapshotName snapshot);

    /**
     * The hold tags of several snapshots at once: each given snapshot that exists maps to its tags
     * (an empty set when it is not held), in the order given; missing snapshots are left out, never
     * an error. What a tag means is as in {@link #holds}; a provider may answer from one lookup
     * where {@link #holds} would check more (see its documentation). The default asks
     * {@link #holds} for each snapshot.
     */
    default Map<SnapshotName, Set<String>> holdsOf(Collection<SnapshotName> snapshots) {
        Map<SnapshotName, Set<String>> out = new LinkedHashMap<>();
        for (SnapshotName s : new LinkedHashSet<>(snapshots)) {
            try {
                out.put(s, holds(s));
            } catch (DatasetException e) {
                if (e.code() != ErrorCode.NOT_FOUND) {
                    throw e;
                }
            }
        }
        return out;
    }

    /**
     * Rolls the dataset back to {@code snapshot}. With {@code destroyNewer} the snapshots after it
     * are destroyed ({@code zfs rollback -r}); without it, newer snapshots make it BUSY.
     */
    void rollback(SnapshotName snapshot, boolean destroyNewer);

    /** Bytes written to the dataset since its newest snapshot (everything when it has none). */
    long writtenSinceLastSnapshot(DatasetName dataset);

    /** Starts a send; see the class comment for who closes the stream. */
    InputStream send(SendRequest request) throws IOException;

    /**
     * How many bytes {@link #send} would produce for {@code request}, when the provider can tell
     * without sending (for progress and ETA); empty when it cannot. May be approximate (a provider
     * documents how good its estimate is). Never starts a transfer; cheap enough to call once per
     * replication step. Errors as {@link #send}'s checks (NOT_FOUND for a missing snapshot).
     */
    default java.util.OptionalLong estimateSendSize(SendRequest request) {
        return java.util.OptionalLong.empty();
    }

    /**
     * Receives a stream produced by the same kind of provider's {@link #send} into {@code target}.
     * A full stream creates {@code target} (its parent must exist); an incremental one needs the
     * base snapshot on the target.
     */
    ReceiveResult receive(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException;

    /** The token of an interrupted resumable receive into {@code target}, if one is pending. */
    Optional<String> resumeToken(DatasetName target);

    /** Discards an interrupted receive's partial state ({@code zfs recv -A}). No-op when there is none. */
    void abortResumableReceive(DatasetName target);

    /**
     * What {@link #send} produces for {@code snapshot}: usually {@link Capabilities#streamKind()},
     * but a provider that keeps other providers' streams (the embedded store holding ZFS replicas)
     * says "zfs" for those.
     */
    default String streamKind(SnapshotName snapshot) {
        return capabilities().streamKind();
    }

    /**
     * The provider under any decorators (framing, guards), for callers that need a provider's own
     * operations beyond this interface. A provider that decorates nothing is itself.
     */
    default DatasetProvider unwrapped() {
        return this;
    }

    /**
     * What the pool's own maintenance says, for people: for ZFS the last or running scrub
     * ({@code zpool status}'s scan line); empty where the provider has nothing to say.
     */
    default Optional<String> maintenanceStatus(String pool) {
        return Optional.empty();
    }

    @Override
    default void close() {
    }
}
