package io.snapferry.replication;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The hold tags replication places, and how retention recognises them.
 *
 * <ul>
 *   <li>{@code snapferry-step-<taskId>}: on the incremental base on both sides while a step runs;
 *       released when the step ends, whatever its outcome.</li>
 *   <li>{@code snapferry-repl-<taskId>}: the replication cursor: on the last replicated snapshot
 *       on both sides, moved after each successful step and kept across failures, so the next
 *       incremental base is never pruned.</li>
 * </ul>
 * Retention never destroys a snapshot for which {@link #heldByReplication(Collection)} is true.
 */
public final class ReplicationHolds {
    public static final String CURSOR_PREFIX = "snapferry-repl-";
    public static final String STEP_PREFIX = "snapferry-step-";

    private ReplicationHolds() {
    }

    public static String cursorTag(String taskId) {
        return CURSOR_PREFIX + taskId;
    }

    public static String stepTag(String taskId) {
        return STEP_PREFIX + taskId;
    }

    /** True when {@code tag} was placed by replication (a cursor or a step hold of any task). */
    public static boolean isReplicationHold(String tag) {
        return tag.startsWith(CURSOR_PREFIX) || tag.startsWith(STEP_PREFIX);
    }

    /** True when any of a snapshot's hold tags protects it for replication. */
    public static boolean heldByReplication(Collection<String> holdTags) {
        return holdTags.stream().anyMatch(ReplicationHolds::isReplicationHold);
    }

    /** The task a replication hold belongs to. */
    public static Optional<String> taskOf(String tag) {
        if (tag.startsWith(CURSOR_PREFIX)) {
            return Optional.of(tag.substring(CURSOR_PREFIX.length()));
        }
        if (tag.startsWith(STEP_PREFIX)) {
            return Optional.of(tag.substring(STEP_PREFIX.length()));
        }
        return Optional.empty();
    }

    /**
     * The snapshots of {@code dataset} that replication protects, with their replication tags,
     * oldest first. Looks up tags only for snapshots that have holds.
     */
    public static Map<SnapshotName, Set<String>> heldByReplication(Endpoint endpoint, DatasetName dataset) {
        Map<SnapshotName, Set<String>> out = new LinkedHashMap<>();
        for (Snapshot s : endpoint.listSnapshots(dataset)) {
            if (s.holds() == 0) {
                continue;
            }
            Set<String> tags = new TreeSet<>();
            for (String t : endpoint.holds(s.name())) {
                if (isReplicationHold(t)) {
                    tags.add(t);
                }
            }
            if (!tags.isEmpty()) {
                out.put(s.name(), tags);
            }
        }
        return out;
    }
}
