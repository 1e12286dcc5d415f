package io.snapferry.ssh;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.ssh.client.SshConnection;
import io.snapferry.ssh.client.SshConnector;
import io.snapferry.ssh.endpoint.EndpointIdentity;
import io.snapferry.ssh.endpoint.OwnershipStore;
import io.snapferry.ssh.keys.KeyInfo;
import io.snapferry.ssh.keys.KeyPairs;
import io.snapferry.ssh.server.FilePeerRegistry;
import io.snapferry.ssh.server.Peer;
import io.snapferry.ssh.server.SnapferrySshServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Box A (a client with a key pair and an in-memory provider) and box B (a snapferry SSH server on
 * 127.0.0.1, port 0, over another in-memory provider). B knows A as peer "boxa", which may receive
 * into pool/fromA and read pool/data.
 */
public final class TwoBoxes implements AutoCloseable {
    public static final DatasetName FROM_A = DatasetName.of("pool/fromA");
    public static final DatasetName DATA = DatasetName.of("pool/data");
    public static final DatasetName SECRET = DatasetName.of("pool/secret");
    public static final DatasetName OTHER = DatasetName.of("pool/other");

    public final InMemoryDatasetProvider a = new InMemoryDatasetProvider(Clock.systemUTC(), "pool");
    public final InMemoryDatasetProvider b = new InMemoryDatasetProvider(Clock.systemUTC(), "pool");
    public final KeyPairs keysA;
    public final KeyInfo keyA;
    public final FilePeerRegistry peers;
    public final SnapferrySshServer server;
    public final SshConnector connector;
    public final Path dir;

    public TwoBoxes(Path dir) throws IOException {
        this(dir, UnaryOperator.identity(), OwnershipStore.inMemory());
    }

    /**
     * @param served what B's server serves, given {@link #b}: a provider over it
     * @param owners B's store of target owners
     */
    public TwoBoxes(Path dir, UnaryOperator<DatasetProvider> served, OwnershipStore owners) throws IOException {
        this.dir = dir;
        keysA = new KeyPairs(dir.resolve("a-keys"));
        keyA = keysA.generate("tob");
        peers = new FilePeerRegistry(dir.resolve("b/peers.json"));
        peers.put(new Peer("boxa", keyA.publicKey(), Optional.of(FROM_A), List.of(DATA)));
        for (DatasetName d : List.of(FROM_A, DATA, SECRET, OTHER)) {
            b.createDataset(d);
        }
        server = new SnapferrySshServer(new SnapferrySshServer.Settings("127.0.0.1", 0, dir.resolve("b/keys/host.key"),
                new EndpointIdentity("box-b", "0.1.0")), peers, served.apply(b), owners);
        server.start();
        connector = new SshConnector(keysA, new EndpointIdentity("box-a", "0.1.0"));
    }

    /** A's connection to B, with B's host key pinned. */
    public SshConnection connection() {
        return new SshConnection("b", "127.0.0.1", server.port(), "snapferry", "tob", server.hostPublicKey(),
                Duration.ofSeconds(10), List.of());
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
