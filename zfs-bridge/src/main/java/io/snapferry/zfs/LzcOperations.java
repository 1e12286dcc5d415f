package io.snapferry.zfs;

import io.snapferry.dataset.SnapshotName;
import java.util.List;

/**
 * The operations {@link ZfsCommandProvider} hands to {@code libzfs_core} when it is available:
 * those where one library call replaces a process and gives an exact errno. Failures are
 * {@link io.snapferry.dataset.DatasetException}s with the code the errno maps to.
 */
interface LzcOperations {
    boolean exists(String name);

    /** All or none, atomically ({@code lzc_snapshot}). */
    void snapshot(List<SnapshotName> snapshots);

    void destroy(SnapshotName snapshot);

    void hold(SnapshotName snapshot, String tag);

    void release(SnapshotName snapshot, String tag);
}
