package io.snapferry.retention;

import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One snapshot as the retention engine sees it.
 *
 * @param name              the snapshot
 * @param guid              its GUID (for reports; the engine does not compare GUIDs)
 * @param createdAt         the creation time parsed from the name by the schema that matched;
 *                          empty exactly when {@code schema} is empty
 * @param createTxg         creation order within the dataset (breaks ties between equal times)
 * @param holds             the number of user holds; a held snapshot is never destroyed
 * @param protectedReasons  why the snapshot must stay whatever the policy says (for example
 *                          "incremental base of replication X", "not yet replicated"); never destroyed
 *                          when non-empty
 * @param schema            the text of the task's naming schema that matched the name, or empty for
 *                          snapshots made by hand or by other tools (always kept)
 */
public record RetentionCandidate(SnapshotName name, long guid, Optional<Instant> createdAt, long createTxg, int holds,
                                 List<String> protectedReasons, Optional<String> schema) {
    public RetentionCandidate {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(schema, "schema");
        protectedReasons = List.copyOf(protectedReasons);
        if (createdAt.isPresent() != schema.isPresent()) {
            throw new IllegalArgumentException("snapshot " + name + ": a creation time comes with the schema it was parsed by"
                    + " (createdAt " + createdAt + ", schema " + schema + ")");
        }
        if (holds < 0) {
            throw new IllegalArgumentException("snapshot " + name + ": holds must not be negative: " + holds);
        }
    }

    /** A candidate whose name matched {@code schema}, which read {@code createdAt} from it. */
    public static RetentionCandidate matched(Snapshot s, String schema, Instant createdAt, List<String> protectedReasons) {
        return new RetentionCandidate(s.name(), s.guid(), Optional.of(createdAt), s.createTxg(), s.holds(),
                protectedReasons, Optional.of(schema));
    }

    /** A candidate whose name matched none of the task's schemas (kept, never evaluated). */
    public static RetentionCandidate foreign(Snapshot s, List<String> protectedReasons) {
        return new RetentionCandidate(s.name(), s.guid(), Optional.empty(), s.createTxg(), s.holds(),
                protectedReasons, Optional.empty());
    }

    /** The part after '@'. */
    public String shortName() {
        return name.name();
    }

    /** True when made by one of the task's schemas, so the policy may destroy it. */
    public boolean eligible() {
        return schema.isPresent();
    }
}
