package io.snapferry.replication;

import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetTree;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;

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
 * One side of a replication, as the replication logic sees it: the datasets of one box, local
 * ({@link LocalEndpoint}) or remote (over SSH). The logic decides what to send; an endpoint only
 * carries out operations.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Threading.</b> Implementations are safe for concurrent use. The {@link Replicator}
 *       calls {@link #receive} on a transfer thread of its own while it calls other methods (and
 *       may close the stream) from the thread that runs the replication.</li>
 *   <li><b>Streams.</b> {@link #send} returns a stream the caller must close; closing it before
 *       its end aborts the send and releases what the send held, and may be done from another
 *       thread to unblock a stalled read. A failure of the producer shows as {@code read} or
 *       {@code close} throwing, never as a short stream that looks complete. {@link #receive}
 *       reads the stream to its end and does not close it.</li>
 *   <li><b>Atomicity.</b> A failed {@link #receive} leaves the target at its previous newest
 *       snapshot (or keeps resumable partial state, reported by {@link #resumeToken}).</li>
 *   <li><b>Errors.</b> As in {@link io.snapferry.dataset.DatasetProvider}: a
 *       {@link DatasetException} whose {@link ErrorCode#category()} tells whether retrying can help
 *       ({@link ErrorCode#NOT_FOUND} for a missing dataset or snapshot); {@link IOException} when
 *       the transport of bytes failed, which a caller treats as transient. A remote endpoint maps
 *       the peer's errors to the same codes.</li>
 *   <li><b>Ordering.</b> Snapshots oldest first; datasets parents first, siblings by name.</li>
 * </ul>
 */
public interface Endpoint {

    /** The box's identity (its box id): stable across restarts, recorded as the owner of targets. */
    String identity();

    /** Datasets at and below {@code root}, parents first; {@link ErrorCode#NOT_FOUND} when root is absent. */
    List<Dataset> listDatasets(DatasetName root);

    /** Snapshots of one dataset, oldest first; {@link ErrorCode#NOT_FOUND} when the dataset is absent. */
    List<Snapshot> listSnapshots(DatasetName dataset);

    /**
     * The snapshots of {@code root} and every dataset below it, as
     * {@link io.snapferry.dataset.DatasetProvider#listSnapshotsBelow}: grouped by dataset in tree
     * order, each dataset's oldest first; {@link ErrorCode#NOT_FOUND} when root is absent. The
     * default lists each dataset; an endpoint that can list a tree in one round trip overrides it.
     */
    default List<Snapshot> listSnapshotsBelow(DatasetName root) {
        List<Snapshot> out = new ArrayList<>();
        for (Dataset d : listDatasets(root)) {
            try {
                out.addAll(listSnapshots(d.name()));
            } catch (DatasetException e) {
                if (e.code() != ErrorCode.NOT_FOUND) {
                    throw e;
                }
            }
        }
        return out;
    }

    /**
     * The datasets at and below {@code root}, their snapshots and the hold tags of the held ones,
     * as {@link io.snapferry.dataset.DatasetProvider#listTree}; {@link ErrorCode#NOT_FOUND} when
     * root is absent. The default asks {@link #listDatasets}, {@link #listSnapshotsBelow} and
     * {@link #holdsOf}; an endpoint that can answer in one round trip overrides it.
     */
    default DatasetTree listTree(DatasetName root) {
        return DatasetTree.of(root, () -> listDatasets(root), () -> listSnapshotsBelow(root), this::holdsOf);
    }

    /**
     * True when the dataset exists, has no snapshot, and holds data that a full receive would
     * replace (files written into it). An empty, freshly created dataset answers false.
     */
    boolean hasUnsnapshottedData(DatasetName dataset);

    /** Creates the missing ancestors of {@code dataset} (not the dataset itself). Idempotent. */
    void createParents(DatasetName dataset);

    /** Starts a send; the caller closes the stream (see the class comment). */
    InputStream send(SendRequest request) throws IOException;

    /**
     * The size {@link #send} would produce for {@code request} (as it travels: after this side's
     * framing), when this side can tell without sending; empty when it cannot. For progress and
     * ETA only: callers must not fail a transfer because of it. An endpoint that cannot ask its
     * box (a remote one without such a request) answers empty.
     */
    default java.util.OptionalLong estimateSendSize(SendRequest request) {
        return java.util.OptionalLong.empty();
    }

    /** Receives {@code stream} into {@code target}; reads it to its end and does not close it. */
    ReceiveResult receive(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException;

    /** Places a user hold; {@link ErrorCode#ALREADY_EXISTS} when this tag already holds the snapshot. */
    void hold(SnapshotName snapshot, String tag);

    /** Releases a user hold; {@link ErrorCode#NOT_FOUND} when it is not there. */
    void release(SnapshotName snapshot, String tag);

    /** The tags of the user holds on a snapshot. */
    Set<String> holds(SnapshotName snapshot);

    /**
     * The hold tags of several snapshots, as {@link io.snapferry.dataset.DatasetProvider#holdsOf}:
     * missing snapshots are left out. The default asks {@link #holds} for each.
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

    /** Destroys what it can; held, busy or missing snapshots are skipped with the reason. */
    DestroyResult destroySnapshots(List<SnapshotName> snapshots);

    /** The token of an interrupted resumable receive into {@code dataset}, if one is pending. */
    Optional<String> resumeToken(DatasetName dataset);

    /** Discards an interrupted receive's partial state; no-op when there is none. */
    void abortResumableReceive(DatasetName dataset);

    /** Who replicates into {@code dataset}, if anyone has claimed it. The dataset need not exist. */
    Optional<Ownership> ownership(DatasetName dataset);

    /** Records {@code owner} as the one source of {@code dataset}, replacing any previous owner. */
    void claim(DatasetName dataset, Ownership owner);
}
