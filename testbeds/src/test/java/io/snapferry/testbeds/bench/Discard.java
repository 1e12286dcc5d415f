package io.snapferry.testbeds.bench;

import io.snapferry.dataset.Capabilities;
import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.PoolSpace;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Stand-ins for the SSH benchmarks: a stream of zero bytes and a provider that discards what it receives. */
final class Discard {
    private Discard() {
    }

    /** {@code size} zero bytes, produced without copying. */
    static final class ZeroStream extends InputStream {
        private long left;

        ZeroStream(long size) {
            this.left = size;
        }

        @Override
        public int read() {
            if (left == 0) {
                return -1;
            }
            left--;
            return 0;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            java.util.Arrays.fill(b, off, off + n, (byte) 0);
            left -= n;
            return n;
        }
    }

    /**
     * The bench's provider: receives by counting and discarding; sends {@code pullSize} zero bytes
     * for any snapshot. Nothing else.
     */
    static final class DiscardingProvider implements DatasetProvider {
        private final long pullSize;

        DiscardingProvider(long pullSize) {
            this.pullSize = pullSize;
        }

        @Override
        public String kind() {
            return "discard";
        }

        @Override
        public Capabilities capabilities() {
            return new Capabilities(false, false, "discard");
        }

        @Override
        public List<String> pools() {
            return List.of("pool");
        }

        @Override
        public PoolSpace space(String pool) {
            return new PoolSpace(pool, 0, 0, 0, "ONLINE");
        }

        @Override
        public List<Dataset> listDatasets(Optional<DatasetName> root) {
            return List.of();
        }

        @Override
        public ReceiveResult receive(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException {
            byte[] buf = new byte[256 * 1024];
            long n = 0;
            for (int r = stream.read(buf); r >= 0; r = stream.read(buf)) {
                n += r;
            }
            return new ReceiveResult(List.of(target.snapshot("bench")), n);
        }

        private static UnsupportedOperationException only() {
            return new UnsupportedOperationException("the bench provider only receives and sends");
        }

        @Override
        public Dataset createDataset(DatasetName name) {
            throw only();
        }

        @Override
        public void destroyDataset(DatasetName name, boolean recursive) {
            throw only();
        }

        @Override
        public List<Snapshot> listSnapshots(DatasetName dataset) {
            throw only();
        }

        @Override
        public void createSnapshots(List<SnapshotName> snapshots) {
            throw only();
        }

        @Override
        public DestroyResult destroySnapshots(List<SnapshotName> snapshots) {
            throw only();
        }

        @Override
        public void hold(SnapshotName snapshot, String tag) {
            throw only();
        }

        @Override
        public void release(SnapshotName snapshot, String tag) {
            throw only();
        }

        @Override
        public Set<String> holds(SnapshotName snapshot) {
            throw only();
        }

        @Override
        public void rollback(SnapshotName snapshot, boolean destroyNewer) {
            throw only();
        }

        @Override
        public long writtenSinceLastSnapshot(DatasetName dataset) {
            throw only();
        }

        @Override
        public InputStream send(SendRequest request) {
            return new ZeroStream(pullSize);
        }

        @Override
        public Optional<String> resumeToken(DatasetName target) {
            return Optional.empty();
        }

        @Override
        public void abortResumableReceive(DatasetName target) {
        }
    }
}
