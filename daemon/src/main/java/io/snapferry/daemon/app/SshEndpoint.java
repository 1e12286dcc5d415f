package io.snapferry.daemon.app;

import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.replication.Endpoint;
import io.snapferry.replication.Ownership;
import io.snapferry.ssh.endpoint.RemoteEndpoint;
import io.snapferry.ssh.endpoint.TargetOwner;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A snapferry box at the end of an SSH connection, as a replication {@link Endpoint}. The remote
 * box frames what it sends and verifies what it receives, so streams pass through untouched.
 * A failure of the connection on a call that has no {@code IOException} in its signature is an
 * {@link UncheckedIOException}, which the replication logic treats as a transport failure.
 */
final class SshEndpoint implements Endpoint {
    private final RemoteEndpoint remote;

    SshEndpoint(RemoteEndpoint remote) {
        this.remote = remote;
    }

    private interface Call<T> {
        T call() throws IOException;
    }

    private static <T> T io(Call<T> c) {
        try {
            return c.call();
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    @Override
    public String identity() {
        return remote.hello().remote().boxId();
    }

    @Override
    public List<Dataset> listDatasets(DatasetName root) {
        return io(() -> remote.listDatasets(Optional.of(root)));
    }

    @Override
    public List<Snapshot> listSnapshots(DatasetName dataset) {
        return io(() -> remote.listSnapshots(dataset));
    }

    @Override
    public boolean hasUnsnapshottedData(DatasetName dataset) {
        return io(() -> remote.hasUnsnapshottedData(dataset));
    }

    @Override
    public void createParents(DatasetName dataset) {
        io(() -> remote.createParents(dataset));
    }

    @Override
    public InputStream send(SendRequest request) throws IOException {
        return remote.send(request);
    }

    @Override
    public ReceiveResult receive(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException {
        return remote.receive(target, stream, options);
    }

    @Override
    public void hold(SnapshotName snapshot, String tag) {
        io(() -> {
            remote.hold(snapshot, tag);
            return null;
        });
    }

    @Override
    public void release(SnapshotName snapshot, String tag) {
        io(() -> {
            remote.release(snapshot, tag);
            return null;
        });
    }

    @Override
    public Set<String> holds(SnapshotName snapshot) {
        return io(() -> remote.holds(snapshot));
    }

    @Override
    public DestroyResult destroySnapshots(List<SnapshotName> snapshots) {
        return io(() -> remote.destroySnapshots(snapshots));
    }

    @Override
    public Optional<String> resumeToken(DatasetName dataset) {
        return io(() -> remote.resumeToken(dataset));
    }

    @Override
    public void abortResumableReceive(DatasetName dataset) {
        io(() -> {
            remote.abortReceive(dataset);
            return null;
        });
    }

    @Override
    public Optional<Ownership> ownership(DatasetName dataset) {
        return io(() -> remote.ownership(dataset)).map(o -> new Ownership(o.boxId(), o.taskId()));
    }

    @Override
    public void claim(DatasetName dataset, Ownership owner) {
        io(() -> {
            remote.claim(dataset, new TargetOwner(owner.boxId(), owner.taskId()));
            return null;
        });
    }
}
