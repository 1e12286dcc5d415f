package io.snapferry.replication.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What the planner decided for one dataset. Expected outcomes, conflicts included, are values;
 * the caller decides what to log, refuse or run. See {@code DESIGN.md} for the table of cases.
 */
public sealed interface Plan {

    /** The sends to run, in order; empty when nothing is to be sent. */
    default List<Step> steps() {
        return List.of();
    }

    /** True for a conflict the caller must refuse to replicate through. */
    default boolean refused() {
        return false;
    }

    /** One line for logs and the UI. */
    String describe();

    /** The target already has the newest eligible source snapshot (or a newer common one). */
    record UpToDate(SnapshotRef common) implements Plan {
        public UpToDate {
            Objects.requireNonNull(common, "common");
        }

        @Override
        public String describe() {
            return "up to date at " + common;
        }
    }

    /**
     * Sends to run. {@code base} is the newest snapshot (or source bookmark) both sides share;
     * empty when the target is absent or empty and the first step is a full send.
     */
    record Steps(Optional<SnapshotRef> base, List<Step> steps) implements Plan {
        public Steps {
            Objects.requireNonNull(base, "base");
            steps = List.copyOf(steps);
            if (steps.isEmpty()) {
                throw new IllegalArgumentException("a Steps plan has at least one step");
            }
        }

        @Override
        public String describe() {
            return base.map(b -> "incremental from " + b).orElse("first replication") + ": "
                    + steps.stream().map(Step::toString).collect(Collectors.joining(", "));
        }
    }

    /**
     * The target shares nothing with the source and replacing it was allowed: its snapshots
     * ({@code replaced}, possibly none) and any unsnapshotted data are discarded, then the steps
     * run, the first being a full send. The caller logs what is replaced.
     */
    record FromScratch(List<Step> steps, List<SnapshotRef> replaced, boolean replacesUnsnapshottedData) implements Plan {
        public FromScratch {
            steps = List.copyOf(steps);
            replaced = List.copyOf(replaced);
            if (steps.isEmpty() || !steps.get(0).isFull()) {
                throw new IllegalArgumentException("a from-scratch plan starts with a full send");
            }
        }

        @Override
        public String describe() {
            return "from scratch, replacing " + (replaced.isEmpty() ? "unsnapshotted data" : replaced) + ": "
                    + steps.stream().map(Step::toString).collect(Collectors.joining(", "));
        }
    }

    /**
     * The target has snapshots but none with a GUID the source has (as snapshot or bookmark), and
     * from-scratch replication is not allowed. Both lists are sorted oldest first.
     */
    record NoCommonSnapshot(List<SnapshotRef> source, List<SnapshotRef> target) implements Plan {
        public NoCommonSnapshot {
            source = List.copyOf(source);
            target = List.copyOf(target);
        }

        @Override
        public boolean refused() {
            return true;
        }

        /** Target snapshots whose name exists on the source with another GUID: different snapshots. */
        public List<SnapshotRef> nameConflicts() {
            return Plan.nameConflicts(source, target);
        }

        @Override
        public String describe() {
            List<SnapshotRef> clash = nameConflicts();
            return "no common snapshot: the target has " + target.size() + " snapshot(s), none of them on the source"
                    + (clash.isEmpty() ? "" : " (same name, different snapshot: " + clash + ")")
                    + "; allow from-scratch replication to replace them";
        }
    }

    /**
     * The target has snapshots after the newest common one that the source does not have: it
     * diverged (snapshots taken on the target, or a rollback on the source). With
     * {@code sourceAfterCommon} empty the target is simply ahead of the source. Refused; the
     * operator destroys {@code targetOnlyAfterCommon} on the target, or rolls it back to
     * {@code common}.
     */
    record Diverged(SnapshotRef common, List<SnapshotRef> targetOnlyAfterCommon,
                    List<SnapshotRef> sourceAfterCommon) implements Plan {
        public Diverged {
            Objects.requireNonNull(common, "common");
            targetOnlyAfterCommon = List.copyOf(targetOnlyAfterCommon);
            sourceAfterCommon = List.copyOf(sourceAfterCommon);
            if (targetOnlyAfterCommon.isEmpty()) {
                throw new IllegalArgumentException("a diverged target has snapshots after the common one");
            }
        }

        @Override
        public boolean refused() {
            return true;
        }

        /** Target-only snapshots whose name the source uses for another snapshot. */
        public List<SnapshotRef> nameConflicts() {
            return Plan.nameConflicts(sourceAfterCommon, targetOnlyAfterCommon);
        }

        @Override
        public String describe() {
            return "target diverged after " + common + ": it has " + targetOnlyAfterCommon
                    + (sourceAfterCommon.isEmpty() ? " which the source does not have (the target is ahead)"
                    : " which the source does not have") + "; destroy them on the target or roll it back to " + common;
        }
    }

    /**
     * The target exists, has no snapshot but holds data, and from-scratch replication is not
     * allowed: a full receive would discard that data.
     */
    record TargetHasUnsnapshottedData() implements Plan {
        @Override
        public boolean refused() {
            return true;
        }

        @Override
        public String describe() {
            return "the target exists, has no snapshot and holds data; allow from-scratch replication to replace it";
        }
    }

    /** There is nothing to send and nothing in common yet; not an error. */
    record NothingToSend(Reason reason, String detail) implements Plan {
        public enum Reason {
            /** The source has no snapshots at all. */
            NO_SOURCE_SNAPSHOTS,
            /** The source has snapshots but the filter accepts none. */
            NO_ELIGIBLE_SNAPSHOTS
        }

        public NothingToSend {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }

        @Override
        public String describe() {
            return "nothing to send: " + detail;
        }
    }

    private static List<SnapshotRef> nameConflicts(List<SnapshotRef> source, List<SnapshotRef> target) {
        Map<String, Long> byName = new HashMap<>();
        source.forEach(s -> byName.put(s.name(), s.guid()));
        List<SnapshotRef> out = new ArrayList<>();
        for (SnapshotRef t : target) {
            Long g = byName.get(t.name());
            if (g != null && g != t.guid()) {
                out.add(t);
            }
        }
        return out;
    }
}
