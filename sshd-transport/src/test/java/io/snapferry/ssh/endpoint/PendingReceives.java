package io.snapferry.ssh.endpoint;

import io.snapferry.dataset.Capabilities;
import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.PoolSpace;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A provider with the partial state of interrupted resumable receives, which the in-memory
 * provider lacks: a test leaves one with {@link #interrupt}; {@link #resumeToken} reports it and
 * {@link #abortResumableReceive} discards it. Everything else goes to {@code inner}.
 */
final class PendingReceives implements DatasetProvider {
    private final DatasetProvider inner;
    private final Map<DatasetName, String> pending = new ConcurrentHashMap<>();

    PendingReceives(DatasetProvider inner) {
        this.inner = inner;
    }

    /** Leaves the partial state of a receive into {@code target} that was interrupted. */
    void interrupt(DatasetName target, String token) {
        pending.put(target, token);
    }

    @Override
    public ReceiveResult receive(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException {
        return inner.receive(target, stream, options);
    }

    @Override
    public String kind() {
        return inner.kind();
    }

    @Override
    public Capabilities capabilities() {
        return inner.capabilities();
    }

    @Override
    public List<String> pools() {
        return inner.pools();
    }

    @Override
    public PoolSpace space(String pool) {
        return inner.space(pool);
    }

    @Override
    public List<Dataset> listDatasets(Optional<DatasetName> root) {
        return inner.listDatasets(root);
    }

    @Override
    public Dataset createDataset(DatasetName name) {
        return inner.createDataset(name);
    }

    @Override
    public void destroyDataset(DatasetName name, boolean recursive) {
        inner.destroyDataset(name, recursive);
    }

    @Override
    public List<Snapshot> listSnapshots(DatasetName dataset) {
        return inner.listSnapshots(dataset);
    }

    @Override
    public void createSnapshots(List<SnapshotName> snapshots) {
        inner.createSnapshots(snapshots);
    }

    @Override
    public DestroyResult destroySnapshots(List<SnapshotName> snapshots) {
        return inner.destroySnapshots(snapshots);
    }

    @Override
    public void hold(SnapshotName snapshot, String tag) {
        inner.hold(snapshot, tag);
    }

    @Override
    public void release(SnapshotName snapshot, String tag) {
        inner.release(snapshot, tag);
    }

    @Override
    public Set<String> holds(SnapshotName snapshot) {
        return inner.holds(snapshot);
    }

    @Override
    public void rollback(SnapshotName snapshot, boolean destroyNewer) {
        inner.rollback(snapshot, destroyNewer);
    }

    @Override
    public long writtenSinceLastSnapshot(DatasetName dataset) {
        return inner.writtenSinceLastSnapshot(dataset);
    }

    @Override
    public InputStream send(SendRequest request) throws IOException {
        return inner.send(request);
    }

    @Override
    public Optional<String> resumeToken(DatasetName target) {
        return Optional.ofNullable(pending.get(target));
    }

    @Override
    public void abortResumableReceive(DatasetName target) {
        pending.remove(target);
    }
}
