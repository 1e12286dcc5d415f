package io.snapferry.replication;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ReceiveOptions;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * What one replication task replicates.
 *
 * <p>Mapping of names: with one source root, the root goes to {@code target} and a descendant
 * {@code root/x/y} to {@code target/x/y}. With several roots, each goes below the target under its
 * last component ({@code pool/a} to {@code target/a}), so their leaves must differ.
 *
 * @param taskId           the task's identity: part of hold tags and of the ownership record
 *                         (1 to 64 of {@code [A-Za-z0-9_.:-]}, not starting with '-')
 * @param sources          the source roots
 * @param target           the target dataset
 * @param recursive        also replicate the descendants of each source root
 * @param exclude          source datasets left out, with their descendants
 * @param eligible         which source snapshots are replicated, by short name
 * @param allowFromScratch replace a target that shares no snapshot with its source
 * @param retries          how many times a transient failure of one dataset is retried
 * @param receive          how every step is received: property overrides and exclusions, and whether
 *                         an incremental receive discards changes made on the target since its newest
 *                         snapshot (a full receive over an existing target always rolls back)
 */
public record ReplicationSpec(String taskId, List<DatasetName> sources, DatasetName target, boolean recursive,
                              Set<DatasetName> exclude, Predicate<String> eligible, boolean allowFromScratch,
                              int retries, ReceiveOptions receive) {
    /** A spec with default receive options (no rollback of a modified target, no property changes). */
    public ReplicationSpec(String taskId, List<DatasetName> sources, DatasetName target, boolean recursive,
                           Set<DatasetName> exclude, Predicate<String> eligible, boolean allowFromScratch, int retries) {
        this(taskId, sources, target, recursive, exclude, eligible, allowFromScratch, retries, ReceiveOptions.defaults());
    }

    private static final Pattern TASK_ID = Pattern.compile("[A-Za-z0-9_.:][A-Za-z0-9_.:-]{0,63}");

    public ReplicationSpec {
        Objects.requireNonNull(taskId, "taskId");
        sources = List.copyOf(Objects.requireNonNull(sources, "sources"));
        Objects.requireNonNull(target, "target");
        exclude = Set.copyOf(Objects.requireNonNull(exclude, "exclude"));
        Objects.requireNonNull(eligible, "eligible");
        Objects.requireNonNull(receive, "receive");
        if (!TASK_ID.matcher(taskId).matches()) {
            throw new IllegalArgumentException("task id '" + taskId
                    + "' must be 1 to 64 letters, digits, '_', '.', ':' or '-', not starting with '-'");
        }
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("a replication needs at least one source dataset");
        }
        Set<String> leaves = new HashSet<>();
        for (DatasetName s : sources) {
            for (DatasetName o : sources) {
                if (s != o && s.contains(o)) {
                    throw new IllegalArgumentException("source " + o + " is inside source " + s + "; list only " + s
                            + (recursive ? "" : " or make the replication non-recursive"));
                }
            }
            if (sources.size() > 1 && !leaves.add(s.leaf())) {
                throw new IllegalArgumentException("two sources end in '" + s.leaf()
                        + "' and would land on the same target dataset " + target.child(s.leaf()));
            }
        }
        for (DatasetName e : exclude) {
            if (sources.stream().noneMatch(s -> s.contains(e))) {
                throw new IllegalArgumentException("excluded dataset " + e + " is not inside any source " + sources);
            }
        }
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be 0 or more, not " + retries);
        }
    }

    /** Where the source root {@code root} lands. */
    public DatasetName targetRoot(DatasetName root) {
        return sources.size() == 1 ? target : target.child(root.leaf());
    }

    /** Where {@code dataset}, inside source root {@code root}, lands. */
    public DatasetName targetFor(DatasetName root, DatasetName dataset) {
        return targetRoot(root).resolve(root.relativize(dataset));
    }

    /** True when {@code dataset} or one of its ancestors is excluded. */
    public boolean excluded(DatasetName dataset) {
        return exclude.stream().anyMatch(e -> e.contains(dataset));
    }
}
