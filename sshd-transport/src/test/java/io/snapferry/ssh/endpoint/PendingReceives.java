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
final class PendingReceives extends io.snapferry.dataset.ForwardingDatasetProvider {
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
    public Optional<String> resumeToken(DatasetName target) {
        return Optional.ofNullable(pending.get(target));
    }

    @Override
    public void abortResumableReceive(DatasetName target) {
        pending.remove(target);
    }

    @Override
    protected DatasetProvider delegate() {
        return inner;
    }
}
