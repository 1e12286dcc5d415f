package io.snapferry.replication.plan;

import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Everything the planner looks at for one dataset.
 *
 * @param source           the source's snapshots, any order (sorted by {@code createTxg})
 * @param sourceBookmarks  the source's bookmarks; one may serve as incremental base when the
 *                         snapshot it was made from has been pruned on the source
 * @param target           the receiving dataset
 * @param eligible         which source snapshots may be sent, by short name (naming schema or regex)
 * @param allowFromScratch when no snapshot is shared, replace the target instead of refusing
 * @param initial          what a first replication (empty or absent target) sends
 */
public record PlanRequest(List<SnapshotRef> source, List<SnapshotRef> sourceBookmarks, Target target,
                          Predicate<String> eligible, boolean allowFromScratch, InitialReplication initial) {

    /** What to send when the target has nothing yet (zrepl's {@code initial_replication}). */
    public enum InitialReplication {
        /** Every eligible snapshot: a full send of the oldest, then incrementals (TrueNAS). */
        ALL,
        /** Only the newest eligible snapshot, as one full send. */
        MOST_RECENT
    }

    public PlanRequest {
        source = List.copyOf(Objects.requireNonNull(source, "source"));
        sourceBookmarks = List.copyOf(Objects.requireNonNull(sourceBookmarks, "sourceBookmarks"));
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(eligible, "eligible");
        Objects.requireNonNull(initial, "initial");
        for (SnapshotRef s : source) {
            if (s.isBookmark()) {
                throw new IllegalArgumentException("bookmark " + s + " belongs in sourceBookmarks");
            }
        }
        for (SnapshotRef b : sourceBookmarks) {
            if (!b.isBookmark()) {
                throw new IllegalArgumentException("snapshot " + b + " is not a bookmark");
            }
        }
    }

    /** No bookmarks, every snapshot of a first replication, from-scratch refused. */
    public static PlanRequest of(List<SnapshotRef> source, Target target, Predicate<String> eligible) {
        return new PlanRequest(source, List.of(), target, eligible, false, InitialReplication.ALL);
    }

    public PlanRequest withBookmarks(List<SnapshotRef> bookmarks) {
        return new PlanRequest(source, bookmarks, target, eligible, allowFromScratch, initial);
    }

    public PlanRequest withAllowFromScratch(boolean allow) {
        return new PlanRequest(source, sourceBookmarks, target, eligible, allow, initial);
    }

    public PlanRequest withInitial(InitialReplication initial) {
        return new PlanRequest(source, sourceBookmarks, target, eligible, allowFromScratch, initial);
    }
}
