package io.snapferry.daemon.pools;

import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.PoolSpace;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Routes dataset operations to the provider that owns the dataset's pool. Providers are asked for
 * their pools on every call, so a pool imported after start is found. When two providers claim
 * the same pool name, the first registered wins and the clash is reported by {@link #clashes()}.
 */
public final class Pools {
    private final List<DatasetProvider> providers;

    public Pools(List<DatasetProvider> providers) {
        this.providers = List.copyOf(providers);
    }

    public List<DatasetProvider> providers() {
        return providers;
    }

    /** Pool name -> the provider owning it, in provider order. */
    public Map<String, DatasetProvider> pools() {
        Map<String, DatasetProvider> out = new LinkedHashMap<>();
        for (DatasetProvider p : providers) {
            for (String pool : p.pools()) {
                out.putIfAbsent(pool, p);
            }
        }
        return out;
    }

    /** Pool names claimed by more than one provider. */
    public List<String> clashes() {
        Map<String, DatasetProvider> seen = new LinkedHashMap<>();
        List<String> out = new ArrayList<>();
        for (DatasetProvider p : providers) {
            for (String pool : p.pools()) {
                if (seen.putIfAbsent(pool, p) != null) {
                    out.add(pool + " (" + seen.get(pool).kind() + " and " + p.kind() + ")");
                }
            }
        }
        return out;
    }

    public DatasetProvider providerOf(DatasetName dataset) {
        for (DatasetProvider p : providers) {
            if (p.pools().contains(dataset.pool())) {
                return p;
            }
        }
        throw new DatasetException(ErrorCode.NOT_FOUND, "pool " + dataset.pool() + " does not exist (known pools: "
                + String.join(", ", pools().keySet()) + ")");
    }

    /** A pool with its space and health, and what its maintenance says (ZFS: the scrub line). */
    public record PoolInfo(String name, String provider, PoolSpace space, Optional<String> maintenance) {
        public PoolInfo(String name, String provider, PoolSpace space) {
            this(name, provider, space, Optional.empty());
        }
    }

    public List<PoolInfo> list() {
        List<PoolInfo> out = new ArrayList<>();
        pools().forEach((name, p) -> out.add(new PoolInfo(name, p.kind(), p.space(name), p.maintenanceStatus(name))));
        return out;
    }

    /** Every dataset of every pool, or those at and below {@code root}. */
    public List<Dataset> datasets(Optional<DatasetName> root) {
        if (root.isPresent()) {
            return providerOf(root.get()).listDatasets(root);
        }
        List<Dataset> out = new ArrayList<>();
        pools().forEach((pool, p) -> out.addAll(p.listDatasets(Optional.of(DatasetName.of(pool)))));
        return out;
    }

    public List<Snapshot> snapshots(DatasetName dataset) {
        return providerOf(dataset).listSnapshots(dataset);
    }

    /**
     * Takes a snapshot of {@code dataset}, and with {@code recursive} of every dataset below it except
     * the excluded ones (and their children), in one atomic call.
     */
    public List<SnapshotName> snapshot(DatasetName dataset, String name, boolean recursive, List<DatasetName> exclude) {
        DatasetProvider p = providerOf(dataset);
        List<SnapshotName> names = new ArrayList<>();
        if (recursive) {
            for (Dataset d : p.listDatasets(Optional.of(dataset))) {
                if (exclude.stream().noneMatch(x -> x.contains(d.name()))) {
                    names.add(d.name().snapshot(name));
                }
            }
        } else {
            p.dataset(dataset);
            names.add(dataset.snapshot(name));
        }
        p.createSnapshots(names);
        return names;
    }
}
