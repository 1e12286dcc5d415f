package io.snapferry.daemon.snapshots;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.SnapshotName;
import java.util.List;
import java.util.Map;

/**
 * Tells retention which snapshots something else still needs (a replication's incremental base,
 * snapshots not yet sent), with the reason. Retention never destroys them.
 */
public interface RetentionGuard {
    RetentionGuard NONE = dataset -> Map.of();

    Map<SnapshotName, List<String>> protectedSnapshots(DatasetName dataset);
}
