package io.snapferry.dataset;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One look at a tree of datasets: what a replication needs to plan every dataset below a root
 * without asking again (see {@link DatasetProvider#listTree}).
 *
 * @param datasets  the root and every file system and volume below it, parents first, siblings by name
 * @param snapshots their snapshots as {@link DatasetProvider#listSnapshotsBelow} orders them
 * @param holds     the hold tags of each snapshot that {@code snapshots} shows held ({@link Snapshot#holds()}
 *                  above 0), as {@link DatasetProvider#holdsOf} answers them; no other snapshot has an entry
 */
public record DatasetTree(List<DatasetName> datasets, List<Snapshot> snapshots, Map<SnapshotName, Set<String>> holds) {
    public DatasetTree {
        datasets = List.copyOf(datasets);
        snapshots = List.copyOf(snapshots);
        Map<SnapshotName, Set<String>> copy = new LinkedHashMap<>();
        Objects.requireNonNull(holds, "holds").forEach((k, v) -> copy.put(k, Set.copyOf(v)));
        holds = java.util.Collections.unmodifiableMap(copy);
    }

    /**
     * The tree below {@code root} put together from three lookups, as {@link DatasetProvider#listTree}
     * (and a replication endpoint's) does it by default: the datasets ({@code NOT_FOUND} when there
     * are none, the root being absent), their snapshots, and the tags of the held ones (not asked
     * when none is held).
     */
    public static DatasetTree of(DatasetName root, java.util.function.Supplier<List<Dataset>> datasets,
                                 java.util.function.Supplier<List<Snapshot>> snapshots,
                                 java.util.function.Function<List<SnapshotName>, Map<SnapshotName, Set<String>>> holdsOf) {
        List<DatasetName> names = new ArrayList<>();
        for (Dataset d : datasets.get()) {
            names.add(d.name());
        }
        if (names.isEmpty()) {
            throw DatasetException.notFound("dataset " + root);
        }
        List<Snapshot> listed = snapshots.get();
        List<SnapshotName> held = held(listed);
        return new DatasetTree(names, listed, held.isEmpty() ? Map.of() : holdsOf.apply(held));
    }

    /** The snapshots of {@code snapshots} that are held, for a {@link DatasetProvider#holdsOf} lookup. */
    public static List<SnapshotName> held(Collection<Snapshot> snapshots) {
        List<SnapshotName> out = new ArrayList<>();
        for (Snapshot s : snapshots) {
            if (s.holds() > 0) {
                out.add(s.name());
            }
        }
        return out;
    }
}
