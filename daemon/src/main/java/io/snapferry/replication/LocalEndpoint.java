package io.snapferry.replication;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The endpoint for datasets of this box: a thin layer over a {@link DatasetProvider}. Ownership
 * records are small JSON files, one per target dataset, in a directory given to the constructor
 * (not every provider has user properties to store them in). Thread-safe as the provider is;
 * ownership writes are atomic (write to a temporary file, then rename).
 */
public final class LocalEndpoint implements Endpoint {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String boxId;
    private final DatasetProvider provider;
    private final Path ownershipDir;

    /**
     * @param boxId        this box's identity
     * @param provider     the datasets; not closed by this endpoint
     * @param ownershipDir where ownership records live; created when missing
     */
    public LocalEndpoint(String boxId, DatasetProvider provider, Path ownershipDir) {
        this.boxId = Objects.requireNonNull(boxId, "boxId");
        this.provider = Objects.requireNonNull(provider, "provider");
        this.ownershipDir = Objects.requireNonNull(ownershipDir, "ownershipDir");
        if (boxId.isBlank()) {
            throw new IllegalArgumentException("box id is blank");
        }
    }

    @Override
    public String identity() {
        return boxId;
    }

    @Override
    public List<Dataset> listDatasets(DatasetName root) {
        return provider.listDatasets(Optional.of(root));
    }

    @Override
    public List<Snapshot> listSnapshots(DatasetName dataset) {
        return provider.listSnapshots(dataset);
    }

    @Override
    public List<Snapshot> listSnapshotsBelow(DatasetName root) {
        return provider.listSnapshotsBelow(root);
    }

    @Override
    public io.snapferry.dataset.DatasetTree listTree(DatasetName root) {
        return provider.listTree(root);
    }

    @Override
    public boolean hasUnsnapshottedData(DatasetName dataset) {
        return provider.listSnapshots(dataset).isEmpty() && provider.writtenSinceLastSnapshot(dataset) > 0;
    }

    @Override
    public void createParents(DatasetName dataset) {
        DatasetName parent = dataset.parent();
        if (parent == null || provider.exists(parent)) {
            return;
        }
        try {
            provider.createDataset(parent);
        } catch (DatasetException e) {
            if (e.code() != ErrorCode.ALREADY_EXISTS) {
                throw e;
            }
        }
    }

    @Override
    public InputStream send(SendRequest request) throws IOException {
        return provider.send(request);
    }

    @Override
    public java.util.OptionalLong estimateSendSize(SendRequest request) {
        return provider.estimateSendSize(request);
    }

    @Override
    public ReceiveResult receive(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException {
        return provider.receive(target, stream, options);
    }

    @Override
    public void hold(SnapshotName snapshot, String tag) {
        provider.hold(snapshot, tag);
    }

    @Override
    public void release(SnapshotName snapshot, String tag) {
        provider.release(snapshot, tag);
    }

    @Override
    public Set<String> holds(SnapshotName snapshot) {
        return provider.holds(snapshot);
    }

    @Override
    public Map<SnapshotName, Set<String>> holdsOf(java.util.Collection<SnapshotName> snapshots) {
        return provider.holdsOf(snapshots);
    }

    @Override
    public DestroyResult destroySnapshots(List<SnapshotName> snapshots) {
        return provider.destroySnapshots(snapshots);
    }

    @Override
    public Optional<String> resumeToken(DatasetName dataset) {
        return provider.resumeToken(dataset);
    }

    @Override
    public void abortResumableReceive(DatasetName dataset) {
        provider.abortResumableReceive(dataset);
    }

    @Override
    public synchronized Optional<Ownership> ownership(DatasetName dataset) {
        Path file = file(dataset);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            Map<?, ?> m = JSON.readValue(file.toFile(), Map.class);
            Object box = m.get("box");
            Object task = m.get("task");
            if (!(box instanceof String b) || !(task instanceof String t) || !dataset.value().equals(m.get("dataset"))) {
                throw new DatasetException(ErrorCode.INTERNAL, "ownership record " + file
                        + " is damaged; re-initialise the replication of " + dataset);
            }
            return Optional.of(new Ownership(b, t));
        } catch (IOException e) {
            throw new DatasetException(ErrorCode.INTERNAL, "cannot read ownership record " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void claim(DatasetName dataset, Ownership owner) {
        Path file = file(dataset);
        Map<String, String> m = new LinkedHashMap<>();
        m.put("dataset", dataset.value());
        m.put("box", owner.boxId());
        m.put("task", owner.taskId());
        try {
            Files.createDirectories(ownershipDir);
            Path tmp = Files.createTempFile(ownershipDir, ".claim", ".tmp");
            try {
                JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), m);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the owner of " + dataset + " in " + file, e);
        }
    }

    /** Dataset names never contain '%', so replacing '/' by it gives one unique file name per dataset. */
    private Path file(DatasetName dataset) {
        return ownershipDir.resolve(dataset.value().replace('/', '%') + ".json");
    }
}
