package io.snapferry.ssh.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.ssh.keys.KeyInfo;
import io.snapferry.ssh.keys.KeyPairs;
import io.snapferry.ssh.client.SshConnection;
import io.snapferry.ssh.client.SshConnector;
import io.snapferry.ssh.server.FilePeerRegistry;
import io.snapferry.ssh.server.Peer;
import io.snapferry.ssh.server.SnapferrySshServer;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Streams that fail on either side, over SSH: nothing half-received, both sides stay in step. */
class StreamFailuresTest {
    @TempDir
    Path tmp;

    /** Counts what was read of {@code size} bytes; throws {@code failure} after {@code failAt} bytes when set. */
    static final class Source extends InputStream {
        final long size;
        final long failAt;
        long read;

        Source(long size, long failAt) {
            this.size = size;
            this.failAt = failAt;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : 0;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (read >= failAt) {
                throw new DatasetException(ErrorCode.CORRUPT_STREAM, "the local send failed part-way");
            }
            if (read >= size) {
                return -1;
            }
            int n = (int) Math.min(len, Math.min(size, failAt) - read);
            read += n;
            return n;
        }
    }

    private RemoteEndpoint open(InMemoryDatasetProvider memory, io.snapferry.dataset.DatasetProvider served) throws Exception {
        KeyPairs keys = new KeyPairs(tmp.resolve("keys"));
        KeyInfo key = keys.generate("k");
        FilePeerRegistry peers = new FilePeerRegistry(tmp.resolve("peers.json"));
        peers.put(new Peer("boxa", key.publicKey(), Optional.of(DatasetName.of("pool/fromA")), List.of()));
        memory.createDataset(DatasetName.of("pool/fromA"));
        SnapferrySshServer server = new SnapferrySshServer(new SnapferrySshServer.Settings("127.0.0.1", 0, tmp.resolve("host.key"),
                new EndpointIdentity("box-b", "0.1.0")), peers, served);
        server.start();
        servers.add(server);
        return new SshConnector(keys, new EndpointIdentity("box-a", "0.1.0")).openEndpoint(new SshConnection("b", "127.0.0.1",
                server.port(), "x", "k", server.hostPublicKey(), Duration.ofSeconds(10), List.of()));
    }

    private final List<SnapferrySshServer> servers = new java.util.ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void stop() throws Exception {
        for (SnapferrySshServer s : servers) {
            s.close();
        }
    }

    @Test
    void aSourceFailingPartWayAbortsTheReceiveAndChangesNothing() throws Exception {
        InMemoryDatasetProvider b = new InMemoryDatasetProvider(Clock.systemUTC(), "pool");
        try (RemoteEndpoint ep = open(b, b)) {
            Source failing = new Source(64L << 20, 3L << 20);
            assertThatThrownBy(() -> ep.receive(DatasetName.of("pool/fromA/x"), failing, ReceiveOptions.defaults()))
                    .isInstanceOf(DatasetException.class).hasMessage("the local send failed part-way");
            assertThat(b.datasetNames()).doesNotContain(DatasetName.of("pool/fromA/x"));
            assertThat(ep.isOpen()).isTrue();
            assertThat(ep.listDatasets(Optional.empty())).hasSize(1);
        }
    }

    @Test
    void anEarlyRefusalStopsTheSender() throws Exception {
        InMemoryDatasetProvider memory = new InMemoryDatasetProvider(Clock.systemUTC(), "pool");
        RefusingReceiver b = new RefusingReceiver(memory);
        try (RemoteEndpoint ep = open(memory, b)) {
            long size = 1L << 30;
            Source big = new Source(size, Long.MAX_VALUE);
            assertThatThrownBy(() -> ep.receive(DatasetName.of("pool/fromA/x"), big, ReceiveOptions.defaults()))
                    .isInstanceOf(DatasetException.class)
                    .hasMessageContaining("pool/fromA/x was modified since its newest snapshot")
                    .satisfies(e -> assertThat(((DatasetException) e).code()).isEqualTo(ErrorCode.TARGET_MODIFIED));
            assertThat(b.bytesRead).isEqualTo(1024);
            // the sender stopped long before the end of its 1 GiB stream
            assertThat(big.read).isLessThan(size / 4);
            assertThat(ep.listDatasets(Optional.empty())).hasSize(1);
        }
    }
}
