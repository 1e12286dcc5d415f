package io.snapferry.store;

import io.snapferry.dataset.SnapshotName;
import java.util.List;
import java.util.Map;

/**
 * What {@link EmbeddedStore#verify} found in one pool.
 *
 * @param chunksChecked    chunks re-read and re-hashed
 * @param bytesChecked     their raw bytes
 * @param damagedChunks    chunks (hex SHA-256) whose contents no longer match their hash, with the
 *                         snapshots that reference them; they are moved to {@code quarantine/} so
 *                         that a later snapshot or receive of the same data stores a good copy
 * @param missingChunks    chunks a snapshot references that are not in the store, with those snapshots
 * @param damagedManifests snapshots whose manifest fails its own checksum
 */
public record VerifyReport(String pool, long chunksChecked, long bytesChecked,
                           Map<String, List<SnapshotName>> damagedChunks,
                           Map<String, List<SnapshotName>> missingChunks,
                           List<String> damagedManifests) {
    public VerifyReport {
        damagedChunks = Map.copyOf(damagedChunks);
        missingChunks = Map.copyOf(missingChunks);
        damagedManifests = List.copyOf(damagedManifests);
    }

    public boolean clean() {
        return damagedChunks.isEmpty() && missingChunks.isEmpty() && damagedManifests.isEmpty();
    }
}
