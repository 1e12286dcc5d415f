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
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Delegates to another endpoint and counts the calls of each method, so that a test can bound how
 * many round trips a replication makes (each call of a remote endpoint is at least one).
 */
final class CountingEndpoint implements Endpoint {
    private final Endpoint delegate;
    private final Map<String, Integer> calls = new TreeMap<>();

    CountingEndpoint(Endpoint delegate) {
        this.delegate = delegate;
    }

    /** Calls per method name, only methods called at least once; identity() is not counted. */
    synchronized Map<String, Integer> calls() {
        return Map.copyOf(calls);
    }

    private synchronized void count(String method) {
        calls.merge(method, 1, Integer::sum);
    }

    @Override
    public String identity() {
        return delegate.identity();
    }

    @Override
    public List<Dataset> listDatasets(DatasetName root) {
        count("listDatasets");
        return delegate.listDatasets(root);
    }

    @Override
    public List<Snapshot> listSnapshots(DatasetName dataset) {
        count("listSnapshots");
        return delegate.listSnapshots(dataset);
    }

    @Override
    public io.snapferry.dataset.DatasetTree listTree(DatasetName root) {
        count("listTree");
        return delegate.listTree(root);
    }

    @Override
    public List<Snapshot> listSnapshotsBelow(DatasetName root) {
        count("listSnapshotsBelow");
        return delegate.listSnapshotsBelow(root);
    }

    @Override
    public boolean hasUnsnapshottedData(DatasetName dataset) {
        count("hasUnsnapshottedData");
        return delegate.hasUnsnapshottedData(dataset);
    }

    @Override
    public void createParents(DatasetName dataset) {
        count("createParents");
        delegate.createParents(dataset);
    }

    @Override
    public InputStream send(SendRequest request) throws IOException {
        count("send");
        return delegate.send(request);
    }

    @Override
    public ReceiveResult receive(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException {
        count("receive");
        return delegate.receive(target, stream, options);
    }

    @Override
    public void hold(SnapshotName snapshot, String tag) {
        count("hold");
        delegate.hold(snapshot, tag);
    }

    @Override
    public void release(SnapshotName snapshot, String tag) {
        count("release");
        delegate.release(snapshot, tag);
    }

    @Override
    public Set<String> holds(SnapshotName snapshot) {
        count("holds");
        return delegate.holds(snapshot);
    }

    @Override
    public Map<SnapshotName, Set<String>> holdsOf(Collection<SnapshotName> snapshots) {
        count("holdsOf");
        return delegate.holdsOf(snapshots);
    }

    @Override
    public DestroyResult destroySnapshots(List<SnapshotName> snapshots) {
        count("destroySnapshots");
        return delegate.destroySnapshots(snapshots);
    }

    @Override
    public java.util.OptionalLong estimateSendSize(SendRequest request) {
        count("estimateSendSize");
        return delegate.estimateSendSize(request);
    }

    @Override
    public Optional<String> resumeToken(DatasetName dataset) {
        count("resumeToken");
        return delegate.resumeToken(dataset);
    }

    @Override
    public void abortResumableReceive(DatasetName dataset) {
        count("abortResumableReceive");
        delegate.abortResumableReceive(dataset);
    }

    @Override
    public Optional<Ownership> ownership(DatasetName dataset) {
        count("ownership");
        return delegate.ownership(dataset);
    }

    @Override
    public void claim(DatasetName dataset, Ownership owner) {
        count("claim");
        delegate.claim(dataset, owner);
    }
}
