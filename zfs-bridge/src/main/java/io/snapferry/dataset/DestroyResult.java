package io.snapferry.dataset;

import java.util.List;
import java.util.Map;

/**
 * The outcome of a batch destroy: what was destroyed, and what was skipped with the reason
 * (held, busy, not found). A batch never fails as a whole because one snapshot could not go.
 */
public record DestroyResult(List<SnapshotName> destroyed, Map<SnapshotName, String> skipped) {
    public DestroyResult {
        destroyed = List.copyOf(destroyed);
        skipped = Map.copyOf(skipped);
    }
}
