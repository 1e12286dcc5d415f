package io.snapferry.replication;

import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/** Delegates to another endpoint, letting a test replace the streams it sends. */
class FaultyEndpoint implements Endpoint {

    /** Given the number of the send (1 for the first) and the real stream, returns what to hand out. */
    @FunctionalInterface
    interface SendHook {
        InputStream apply(int sendNumber, SendRequest request, InputStream real) throws IOException;
    }

    private final Endpoint delegate;
    private final SendHook hook;
    private final AtomicInteger sends = new AtomicInteger();

    FaultyEndpoint(Endpoint delegate, SendHook hook) {
        this.delegate = delegate;
        this.hook = hook;
    }

    int sends() {
        return sends.get();
    }

    @Override
    public InputStream send(SendRequest request) throws IOException {
        return hook.apply(sends.incrementAndGet(), request, delegate.send(request));
    }

    @Override
    public String identity() {
        return delegate.identity();
    }

    @Override
    public List<Dataset> listDatasets(DatasetName root) {
        return delegate.listDatasets(root);
    }

    @Override
    public List<Snapshot> listSnapshots(DatasetName dataset) {
        return delegate.listSnapshots(dataset);
    }

    @Override
    public io.snapferry.dataset.DatasetTree listTree(DatasetName root) {
        return delegate.listTree(root);
    }

    @Override
    public List<Snapshot> listSnapshotsBelow(DatasetName root) {
        return delegate.listSnapshotsBelow(root);
    }

    @Override
    public java.util.Map<SnapshotName, Set<String>> holdsOf(java.util.Collection<SnapshotName> snapshots) {
        return delegate.holdsOf(snapshots);
    }

    @Override
    public boolean hasUnsnapshottedData(DatasetName dataset) {
        return delegate.hasUnsnapshottedData(dataset);
    }

    @Override
    public void createParents(DatasetName dataset) {
        delegate.createParents(dataset);
    }

    @Override
    public ReceiveResult receive(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException {
        return delegate.receive(target, stream, options);
    }

    @Override
    public void hold(SnapshotName snapshot, String tag) {
        delegate.hold(snapshot, tag);
    }

    @Override
    public void release(SnapshotName snapshot, String tag) {
        delegate.release(snapshot, tag);
    }

    @Override
    public Set<String> holds(SnapshotName snapshot) {
        return delegate.holds(snapshot);
    }

    @Override
    public DestroyResult destroySnapshots(List<SnapshotName> snapshots) {
        return delegate.destroySnapshots(snapshots);
    }

    @Override
    public java.util.OptionalLong estimateSendSize(SendRequest request) {
        return delegate.estimateSendSize(request);
    }

    @Override
    public Optional<String> resumeToken(DatasetName dataset) {
        return delegate.resumeToken(dataset);
    }

    @Override
    public void abortResumableReceive(DatasetName dataset) {
        delegate.abortResumableReceive(dataset);
    }

    @Override
    public Optional<Ownership> ownership(DatasetName dataset) {
        return delegate.ownership(dataset);
    }

    @Override
    public void claim(DatasetName dataset, Ownership owner) {
        delegate.claim(dataset, owner);
    }
}
