package io.snapferry.daemon.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.ForwardingDatasetProvider;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.ssh.endpoint.EndpointIdentity;
import io.snapferry.ssh.endpoint.EndpointServer;
import io.snapferry.ssh.endpoint.Permissions;
import io.snapferry.ssh.endpoint.RemoteEndpoint;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The ssh transport lists a remote tree and its holds in one round trip each (endpoint protocol
 * 3): what the replicator's nothing-to-do run costs over a paired box.
 */
class SshEndpointListingTest {
    /** Counts what the serving box's provider is asked. */
    static final class Counting extends ForwardingDatasetProvider {
        final DatasetProvider inner;
        final AtomicInteger perDataset = new AtomicInteger();
        final AtomicInteger trees = new AtomicInteger();
        final AtomicInteger perSnapshotHolds = new AtomicInteger();
        final AtomicInteger batchedHolds = new AtomicInteger();

        Counting(DatasetProvider inner) {
            this.inner = inner;
        }

        @Override
        protected DatasetProvider delegate() {
            return inner;
        }

        @Override
        public List<Snapshot> listSnapshots(DatasetName dataset) {
            perDataset.incrementAndGet();
            return inner.listSnapshots(dataset);
        }

        @Override
        public List<Snapshot> listSnapshotsBelow(DatasetName root) {
            trees.incrementAndGet();
            return inner.listSnapshotsBelow(root);
        }

        @Override
        public Set<String> holds(SnapshotName snapshot) {
            perSnapshotHolds.incrementAndGet();
            return inner.holds(snapshot);
        }

        @Override
        public Map<SnapshotName, Set<String>> holdsOf(Collection<SnapshotName> snapshots) {
            batchedHolds.incrementAndGet();
            return inner.holdsOf(snapshots);
        }
    }

    @Test
    void aRemoteTreeAndItsHoldsAreOneRoundTripEach() throws Exception {
        InMemoryDatasetProvider b = new InMemoryDatasetProvider(Clock.systemUTC(), "tank");
        DatasetName root = DatasetName.of("tank/src");
        b.createDataset(root);
        List<SnapshotName> all = new ArrayList<>();
        for (int c = 0; c < 20; c++) {
            DatasetName child = root.child("c" + c);
            b.createDataset(child);
            for (int s = 0; s < 5; s++) {
                SnapshotName snap = child.snapshot("s" + s);
                b.createSnapshots(List.of(snap));
                all.add(snap);
            }
        }
        b.hold(all.get(7), "snapferry-repl-nightly");
        Counting served = new Counting(b);
        Permissions readAll = new Permissions() {
            @Override
            public String peerName() {
                return "boxa";
            }

            @Override
            public boolean mayReceive(DatasetName d) {
                return false;
            }

            @Override
            public boolean mayRead(DatasetName d) {
                return root.contains(d);
            }

            @Override
            public List<DatasetName> visibleRoots() {
                return List.of(root);
            }
        };
        PipedInputStream serverIn = new PipedInputStream(1 << 20);
        PipedOutputStream toServer = new PipedOutputStream(serverIn);
        PipedInputStream clientIn = new PipedInputStream(1 << 20);
        PipedOutputStream toClient = new PipedOutputStream(clientIn);
        Thread server = new Thread(() -> {
            try (toClient) {
                new EndpointServer(served, readAll, new EndpointIdentity("box-b", "0.1.0")).serve(serverIn, toClient);
            } catch (IOException e) {
                // the client closed its end
            }
        }, "endpoint-server");
        server.start();
        RemoteEndpoint remote = RemoteEndpoint.open(clientIn, toServer, toServer::close, new EndpointIdentity("box-a", "0.1.0"));
        try (SshEndpoint endpoint = new SshEndpoint(remote, "b", () -> {
            throw new IOException("no reconnect in this test");
        })) {
            List<Snapshot> listed = endpoint.listSnapshotsBelow(root);
            assertThat(listed).containsExactlyElementsOf(b.listSnapshotsBelow(root));
            Map<SnapshotName, Set<String>> holds = endpoint.holdsOf(all);
            assertThat(holds).hasSize(100);
            assertThat(holds.get(all.get(7))).containsExactly("snapferry-repl-nightly");

            assertThat(served.trees.get()).isEqualTo(1);
            assertThat(served.perDataset.get()).as("no listing per dataset").isZero();
            assertThat(served.batchedHolds.get()).isEqualTo(1);
            assertThat(served.perSnapshotHolds.get()).as("no holds call per snapshot").isZero();
        }
        server.join(10_000);
        assertThat(server.isAlive()).isFalse();
    }
}
