package io.snapferry.ssh.endpoint;

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
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A provider that refuses every receive after reading only its first bytes, as a real provider does
 * when a stream's header names a target that cannot take it; everything else goes to {@code inner}.
 */
final class RefusingReceiver extends io.snapferry.dataset.ForwardingDatasetProvider {
    private final DatasetProvider inner;
    volatile long bytesRead;

    RefusingReceiver(DatasetProvider inner) {
        this.inner = inner;
    }

    @Override
    public ReceiveResult receive(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException {
        bytesRead = stream.readNBytes(1024).length;
        throw new DatasetException(ErrorCode.TARGET_MODIFIED, target + " was modified since its newest snapshot");
    }

    @Override
    protected DatasetProvider delegate() {
        return inner;
    }
}
