package io.snapferry.retention;

import java.util.List;

/**
 * The result of {@link RetentionEngine#plan}: exactly one decision per input snapshot, in input
 * order. A plan is a value; destroying is the caller's job (which skips, never forces, a snapshot
 * that became held or busy meanwhile).
 */
public record RetentionPlan(List<Decision> decisions) {
    public RetentionPlan {
        decisions = List.copyOf(decisions);
    }

    /** The snapshots to destroy, in input order. */
    public List<RetentionCandidate> toDestroy() {
        return decisions.stream().filter(Decision::destroy).map(Decision::snapshot).toList();
    }

    /** The snapshots to keep, in input order. */
    public List<RetentionCandidate> toKeep() {
        return decisions.stream().filter(d -> !d.destroy()).map(Decision::snapshot).toList();
    }
}
