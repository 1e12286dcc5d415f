package io.snapferry.replication.plan;

import java.util.List;
import java.util.Objects;

/**
 * The receiving dataset as the planner sees it.
 *
 * @param exists            the dataset exists on the target
 * @param unsnapshottedData it exists, has no snapshot, and holds data (files written into it, say):
 *                          a full receive would replace that data, so it counts as a conflict
 * @param snapshots         its snapshots, any order (the planner sorts by {@code createTxg})
 */
public record Target(boolean exists, boolean unsnapshottedData, List<SnapshotRef> snapshots) {
    public Target {
        snapshots = List.copyOf(Objects.requireNonNull(snapshots, "snapshots"));
        if (!exists && (unsnapshottedData || !snapshots.isEmpty())) {
            throw new IllegalArgumentException("a target that does not exist has neither data nor snapshots");
        }
        if (unsnapshottedData && !snapshots.isEmpty()) {
            throw new IllegalArgumentException("unsnapshottedData describes a target without snapshots");
        }
        for (SnapshotRef s : snapshots) {
            if (s.isBookmark()) {
                throw new IllegalArgumentException("target bookmarks play no part in planning: " + s);
            }
        }
    }

    /** The dataset does not exist on the target. */
    public static Target absent() {
        return new Target(false, false, List.of());
    }

    /** The dataset exists with these snapshots (none: an empty dataset). */
    public static Target of(List<SnapshotRef> snapshots) {
        return new Target(true, false, snapshots);
    }

    /** The dataset exists, has no snapshot, and holds data. */
    public static Target withUnsnapshottedData() {
        return new Target(true, true, List.of());
    }
}
