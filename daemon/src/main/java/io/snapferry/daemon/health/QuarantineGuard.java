package io.snapferry.daemon.health;

import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.ForwardingDatasetProvider;
import io.snapferry.dataset.PoolSpace;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SnapshotName;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Refuses every change to a quarantined pool with {@link ErrorCode#QUARANTINED} (reads, sends and
 * listing go on, so the data can still be copied off), and reports the pool's health as
 * QUARANTINED.
 */
public final class QuarantineGuard extends ForwardingDatasetProvider {
    private final DatasetProvider inner;
    private final Quarantine quarantine;

    public QuarantineGuard(DatasetProvider inner, Quarantine quarantine) {
        this.inner = inner;
        this.quarantine = quarantine;
    }

    @Override
    protected DatasetProvider delegate() {
        return inner;
    }

    private void check(String pool) {
        quarantine.of(pool).ifPresent(e -> {
            throw new DatasetException(ErrorCode.QUARANTINED, "pool " + pool + " is quarantined since " + e.since() + ": "
                    + e.reason() + "; nothing is written to it until an operator repairs it and runs 'snapferry store clear "
                    + pool + "'");
        });
    }

    @Override
    public PoolSpace space(String pool) {
        PoolSpace s = inner.space(pool);
        return quarantine.of(pool).isPresent() ? new PoolSpace(s.pool(), s.size(), s.allocated(), s.free(), "QUARANTINED") : s;
    }

    @Override
    public Dataset createDataset(DatasetName name) {
        check(name.pool());
        return inner.createDataset(name);
    }

    @Override
    public void destroyDataset(DatasetName name, boolean recursive) {
        check(name.pool());
        inner.destroyDataset(name, recursive);
    }

    @Override
    public void createSnapshots(List<SnapshotName> snapshots) {
        snapshots.forEach(s -> check(s.dataset().pool()));
        inner.createSnapshots(snapshots);
    }

    @Override
    public DestroyResult destroySnapshots(List<SnapshotName> snapshots) {
        snapshots.forEach(s -> check(s.dataset().pool()));
        return inner.destroySnapshots(snapshots);
    }

    @Override
    public void rollback(SnapshotName snapshot, boolean destroyNewer) {
        check(snapshot.dataset().pool());
        inner.rollback(snapshot, destroyNewer);
    }

    @Override
    public ReceiveResult receive(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException {
        check(target.pool());
        return inner.receive(target, stream, options);
    }
}
