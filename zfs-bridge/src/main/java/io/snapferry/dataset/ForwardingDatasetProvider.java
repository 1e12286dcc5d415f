package io.snapferry.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A provider that passes every call to another; decorators (framing, fault injection in tests)
 * extend it and override only what they change.
 */
public abstract class ForwardingDatasetProvider implements DatasetProvider {
    /** The provider calls go to. */
    protected abstract DatasetProvider delegate();

    @Override
    public DatasetProvider unwrapped() {
        return delegate().unwrapped();
    }

    @Override
    public String streamKind(SnapshotName snapshot) {
        return delegate().streamKind(snapshot);
    }

    @Override
    public Optional<String> maintenanceStatus(String pool) {
        return delegate().maintenanceStatus(pool);
    }

    @Override
    public void close() {
        delegate().close();
    }

    @Override
    public String kind() {
        return delegate().kind();
    }

    @Override
    public Capabilities capabilities() {
        return delegate().capabilities();
    }

    @Override
    public List<String> pools() {
        return delegate().pools();
    }

    @Override
    public PoolSpace space(String pool) {
        return delegate().space(pool);
    }

    @Override
    public List<Dataset> listDatasets(Optional<DatasetName> root) {
        return delegate().listDatasets(root);
    }

    @Override
    public Dataset createDataset(DatasetName name) {
        return delegate().createDataset(name);
    }

    @Override
    public void destroyDataset(DatasetName name, boolean recursive) {
        delegate().destroyDataset(name, recursive);
    }

    @Override
    public List<Snapshot> listSnapshots(DatasetName dataset) {
        return delegate().listSnapshots(dataset);
    }

    @Override
    public List<Snapshot> listSnapshotsBelow(DatasetName root) {
        return delegate().listSnapshotsBelow(root);
    }

    @Override
    public DatasetTree listTree(DatasetName root) {
        return delegate().listTree(root);
    }

    @Override
    public void createSnapshots(List<SnapshotName> snapshots) {
        delegate().createSnapshots(snapshots);
    }

    @Override
    public DestroyResult destroySnapshots(List<SnapshotName> snapshots) {
        return delegate().destroySnapshots(snapshots);
    }

    @Override
    public void hold(SnapshotName snapshot, String tag) {
        delegate().hold(snapshot, tag);
    }

    @Override
    public void release(SnapshotName snapshot, String tag) {
        delegate().release(snapshot, tag);
    }

    @Override
    public Set<String> holds(SnapshotName snapshot) {
        return delegate().holds(snapshot);
    }

    @Override
    public java.util.Map<SnapshotName, Set<String>> holdsOf(java.util.Collection<SnapshotName> snapshots) {
        return delegate().holdsOf(snapshots);
    }

    @Override
    public void rollback(SnapshotName snapshot, boolean destroyNewer) {
        delegate().rollback(snapshot, destroyNewer);
    }

    @Override
    public long writtenSinceLastSnapshot(DatasetName dataset) {
        return delegate().writtenSinceLastSnapshot(dataset);
    }

    @Override
    public InputStream send(SendRequest request) throws IOException {
        return delegate().send(request);
    }

    @Override
    public java.util.OptionalLong estimateSendSize(SendRequest request) {
        return delegate().estimateSendSize(request);
    }

    @Override
    public ReceiveResult receive(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException {
        return delegate().receive(target, stream, options);
    }

    @Override
    public Optional<String> resumeToken(DatasetName target) {
        return delegate().resumeToken(target);
    }

    @Override
    public void abortResumableReceive(DatasetName target) {
        delegate().abortResumableReceive(target);
    }
}
