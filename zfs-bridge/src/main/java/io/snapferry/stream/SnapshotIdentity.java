package io.snapferry.stream;

import io.snapferry.dataset.SnapshotName;
import java.util.Objects;

/**
 * A snapshot as a stream header names it: its short name (the part after {@code @}) and its GUID,
 * which identifies the same snapshot on both boxes.
 */
public record SnapshotIdentity(String name, long guid) {
    public SnapshotIdentity {
        Objects.requireNonNull(name, "snapshot name");
        String problem = SnapshotName.problem(name);
        if (problem != null) {
            throw new IllegalArgumentException("invalid snapshot name in stream header: " + problem);
        }
    }

    public static SnapshotIdentity of(SnapshotName snapshot, long guid) {
        return new SnapshotIdentity(snapshot.name(), guid);
    }

    @Override
    public String toString() {
        return name + "#" + Long.toUnsignedString(guid, 16);
    }
}
