package io.snapferry.replication.plan;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;

import java.util.Objects;

/**
 * A snapshot or bookmark as the planner sees it: its short name (the part after {@code @} or
 * {@code #}), its GUID and its creation order on the box that listed it.
 *
 * <p>Identity is the GUID: two refs with equal GUIDs are the same snapshot, whatever their names.
 * {@code createTxg} orders refs of one dataset on one box and is never compared across boxes.
 * A bookmark keeps the GUID and creation order of the snapshot it was made from.
 */
public record SnapshotRef(String name, long guid, long createTxg, Kind kind) {

    public enum Kind { SNAPSHOT, BOOKMARK }

    public SnapshotRef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        String problem = SnapshotName.problem(name);
        if (problem != null) {
            throw new DatasetException(ErrorCode.INVALID_NAME, "invalid snapshot or bookmark name '" + name + "': " + problem);
        }
    }

    public static SnapshotRef snapshot(String name, long guid, long createTxg) {
        return new SnapshotRef(name, guid, createTxg, Kind.SNAPSHOT);
    }

    public static SnapshotRef bookmark(String name, long guid, long createTxg) {
        return new SnapshotRef(name, guid, createTxg, Kind.BOOKMARK);
    }

    /** The planner's view of a listed snapshot. */
    public static SnapshotRef of(Snapshot snapshot) {
        return snapshot(snapshot.shortName(), snapshot.guid(), snapshot.createTxg());
    }

    public boolean isBookmark() {
        return kind == Kind.BOOKMARK;
    }

    /** {@code @name} for a snapshot, {@code #name} for a bookmark. */
    @Override
    public String toString() {
        return (isBookmark() ? "#" : "@") + name;
    }
}
