package io.snapferry.daemon.pools;

import io.snapferry.dataset.Capabilities;
import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.PoolSpace;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * All of a box's pools as one provider: each call goes to the provider that owns the pool of the
 * dataset it names. Lets a replication endpoint span ZFS pools and the embedded store alike.
 * {@link #capabilities()} describes the first provider only; ask {@link #providerOf} for a pool's own.
 *
 * <p>Which provider owns a pool is asked once and remembered (asking costs a {@code zpool list}
 * per call, which doubled the commands of every replication step); a pool not yet known makes it
 * ask all providers again. A pool is taken to stay with the provider that first had it: one that
 * is destroyed fails there as not found. When two providers claim a name the first one serves it.
 * Thread-safe.
 */
public final class RoutingProvider implements DatasetProvider {
    private final List<DatasetProvider> providers;
    private final Map<String, DatasetProvider> owners = new java.util.concurrent.ConcurrentHashMap<>();

    public RoutingProvider(List<DatasetProvider> providers) {
        this.providers = List.copyOf(providers);
    }

    public DatasetProvider providerOf(DatasetName dataset) {
        DatasetProvider known = owners.get(dataset.pool());
        if (known != null) {
            return known;
        }
        for (DatasetProvider p : providers) {
            for (String pool : p.pools()) {
                owners.putIfAbsent(pool, p);
            }
        }
        known = owners.get(dataset.pool());
        if (known == null) {
            throw new DatasetException(ErrorCode.NOT_FOUND, "pool " + dataset.pool() + " does not exist on this box");
        }
        return known;
    }

    @Override
    public String kind() {
        return "box";
    }

    @Override
    public Capabilities capabilities() {
        return providers.isEmpty() ? new Capabilities(false, false, "none") : providers.get(0).capabilities();
    }

    @Override
    public List<String> pools() {
        Map<String, Boolean> out = new LinkedHashMap<>();
        for (DatasetProvider p : providers) {
            p.pools().forEach(pool -> out.putIfAbsent(pool, true));
        }
        return new ArrayList<>(out.keySet());
    }

    @Override
    public PoolSpace space(String pool) {
        return providerOf(DatasetName.of(pool)).space(pool);
    }

    @Override
    public List<Dataset> listDatasets(Optional<DatasetName> root) {
        if (root.isPresent()) {
            return providerOf(root.get()).listDatasets(root);
        }
        List<Dataset> out = new ArrayList<>();
        for (String pool : pools()) {
            out.addAll(providerOf(DatasetName.of(pool)).listDatasets(Optional.of(DatasetName.of(pool))));
        }
        return out;
    }

    @Override
    public Dataset createDataset(DatasetName name) {
        return providerOf(name).createDataset(name);
    }

    @Override
    public void destroyDataset(DatasetName name, boolean recursive) {
        providerOf(name).destroyDataset(name, recursive);
    }

    @Override
    public List<Snapshot> listSnapshots(DatasetName dataset) {
        return providerOf(dataset).listSnapshots(dataset);
    }

    @Override
    public List<Snapshot> listSnapshotsBelow(DatasetName root) {
        return providerOf(root).listSnapshotsBelow(root);
    }

    @Override
    public io.snapferry.dataset.DatasetTree listTree(DatasetName root) {
        return providerOf(root).listTree(root);
    }

    @Override
    public void createSnapshots(List<SnapshotName> snapshots) {
        if (!snapshots.isEmpty()) {
            providerOf(snapshots.get(0).dataset()).createSnapshots(snapshots);
        }
    }

    @Override
    public DestroyResult destroySnapshots(List<SnapshotName> snapshots) {
        Map<DatasetProvider, List<SnapshotName>> byProvider = new LinkedHashMap<>();
        for (SnapshotName s : snapshots) {
            byProvider.computeIfAbsent(providerOf(s.dataset()), p -> new ArrayList<>()).add(s);
        }
        List<SnapshotName> destroyed = new ArrayList<>();
        Map<SnapshotName, String> skipped = new LinkedHashMap<>();
        byProvider.forEach((p, list) -> {
            DestroyResult r = p.destroySnapshots(list);
            destroyed.addAll(r.destroyed());
            skipped.putAll(r.skipped());
        });
        return new DestroyResult(destroyed, skipped);
    }

    @Override
    public void hold(SnapshotName snapshot, String tag) {
        providerOf(snapshot.dataset()).hold(snapshot, tag);
    }

    @Override
    public void release(SnapshotName snapshot, String tag) {
        providerOf(snapshot.dataset()).release(snapshot, tag);
    }

    @Override
    public Set<String> holds(SnapshotName snapshot) {
        return providerOf(snapshot.dataset()).holds(snapshot);
    }

    @Override
    public Map<SnapshotName, Set<String>> holdsOf(java.util.Collection<SnapshotName> snapshots) {
        Map<DatasetProvider, List<SnapshotName>> byProvider = new LinkedHashMap<>();
        for (SnapshotName s : snapshots) {
            byProvider.computeIfAbsent(providerOf(s.dataset()), p -> new ArrayList<>()).add(s);
        }
        Map<SnapshotName, Set<String>> found = new java.util.HashMap<>();
        byProvider.forEach((p, list) -> found.putAll(p.holdsOf(list)));
        Map<SnapshotName, Set<String>> out = new LinkedHashMap<>();
        for (SnapshotName s : snapshots) {
            if (found.containsKey(s)) {
                out.put(s, found.get(s));
            }
        }
        return out;
    }

    @Override
    public void rollback(SnapshotName snapshot, boolean destroyNewer) {
        providerOf(snapshot.dataset()).rollback(snapshot, destroyNewer);
    }

    @Override
    public long writtenSinceLastSnapshot(DatasetName dataset) {
        return providerOf(dataset).writtenSinceLastSnapshot(dataset);
    }

    @Override
    public InputStream send(SendRequest request) throws IOException {
        return providerOf(request.snapshot().dataset()).send(request);
    }

    @Override
    public java.util.OptionalLong estimateSendSize(SendRequest request) {
        return providerOf(request.snapshot().dataset()).estimateSendSize(request);
    }

    @Override
    public ReceiveResult receive(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException {
        return providerOf(target).receive(target, stream, options);
    }

    @Override
    public Optional<String> resumeToken(DatasetName target) {
        return providerOf(target).resumeToken(target);
    }

    @Override
    public void abortResumableReceive(DatasetName target) {
        providerOf(target).abortResumableReceive(target);
    }
}
