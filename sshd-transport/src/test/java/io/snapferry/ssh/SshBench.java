package io.snapferry.ssh;

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
import io.snapferry.ssh.client.RemoteCommand;
import io.snapferry.ssh.client.SshConnection;
import io.snapferry.ssh.client.SshConnector;
import io.snapferry.ssh.client.SshSession;
import io.snapferry.ssh.endpoint.EndpointIdentity;
import io.snapferry.ssh.endpoint.RemoteEndpoint;
import io.snapferry.ssh.keys.KeyInfo;
import io.snapferry.ssh.keys.KeyPairs;
import io.snapferry.ssh.server.FilePeerRegistry;
import io.snapferry.ssh.server.Peer;
import io.snapferry.ssh.server.SnapferrySshServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Throughput of the SSH transport on loopback, against OpenSSH. Pushes SIZE MiB (default 1024)
 * ROUNDS times (default 3) each way and prints the medians:
 * <ol>
 *   <li>snapferry: {@link RemoteEndpoint#receive} from a MINA client to the snapferry server,
 *       whose provider discards what it receives (the endpoint protocol, framing included);</li>
 *   <li>snapferry pull: {@link RemoteEndpoint#send} of a stream the server's provider makes up;</li>
 *   <li>MINA client to OpenSSH sshd: {@link SshSession#exec} of {@code cat > /dev/null};</li>
 *   <li>OpenSSH to OpenSSH: {@code head -c SIZE /dev/zero | ssh -c aes128-gcm@openssh.com HOST 'cat > /dev/null'}.</li>
 * </ol>
 * Runs as root (sshd needs it), on 127.0.0.1 only. Run after a build:
 * <pre>
 * mvn -o -q -pl sshd-transport -am dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * CP=$(sed "s#[^:]*zfs-bridge-0.1.0.jar#zfs-bridge/target/classes:zfs-bridge/target/test-classes#" /tmp/cp.txt)
 * java -cp sshd-transport/target/classes:sshd-transport/target/test-classes:$CP io.snapferry.ssh.SshBench 1024 3
 * </pre>
 */
public final class SshBench {
    private SshBench() {
    }

    public static void main(String[] args) throws Exception {
        long mib = args.length > 0 ? Long.parseLong(args[0]) : 1024;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        long bytes = mib << 20;
        Path dir = Files.createTempDirectory("snapferry-sshbench");
        KeyPairs keys = new KeyPairs(dir.resolve("keys"));
        KeyInfo key = keys.generate("bench");
        FilePeerRegistry peers = new FilePeerRegistry(dir.resolve("peers.json"));
        peers.put(new Peer("bench", key.publicKey(), Optional.of(DatasetName.of("pool/sink")), List.of(DatasetName.of("pool/src"))));
        EndpointIdentity self = new EndpointIdentity("bench-client", "0.1.0");
        SshConnector connector = new SshConnector(keys, self);
        List<Double> snapferry = new ArrayList<>();
        List<Double> pull = new ArrayList<>();
        List<Double> minaToSshd = new ArrayList<>();
        List<Double> openssh = new ArrayList<>();
        try (SnapferrySshServer server = new SnapferrySshServer(new SnapferrySshServer.Settings("127.0.0.1", 0,
                dir.resolve("host.key"), new EndpointIdentity("bench-server", "0.1.0")), peers, new DiscardingProvider(bytes));
             OpenSshd sshd = OpenSshd.start(dir.resolve("sshd"), List.of(key.publicKey()))) {
            server.start();
            SshConnection toServer = new SshConnection("server", "127.0.0.1", server.port(), "bench", "bench",
                    server.hostPublicKey(), Duration.ofSeconds(20), List.of("aes128-gcm@openssh.com"));
            SshConnection toSshd = new SshConnection("sshd", "127.0.0.1", sshd.port(), "root", "bench",
                    sshd.hostPublicKey(), Duration.ofSeconds(20), List.of("aes128-gcm@openssh.com"));
            Path known = dir.resolve("known_hosts");
            Files.writeString(known, "[127.0.0.1]:" + sshd.port() + " " + sshd.hostPublicKey() + "\n");
            // warm up the JIT on a short transfer
            pushEndpoint(connector, toServer, Math.min(bytes, 256L << 20));
            for (int i = 0; i < rounds; i++) {
                snapferry.add(report("snapferry endpoint (MINA -> MINA)", bytes, pushEndpoint(connector, toServer, bytes)));
                pull.add(report("snapferry endpoint pull (MINA <- MINA)", bytes, pullEndpoint(connector, toServer, bytes)));
                minaToSshd.add(report("MINA exec cat -> OpenSSH sshd", bytes, pushExec(connector, toSshd, bytes)));
                openssh.add(report("OpenSSH ssh -> OpenSSH sshd", bytes, pushOpenSsh(dir, keys, known, sshd.port(), bytes)));
            }
        }
        double s = median(snapferry);
        double p = median(pull);
        double m = median(minaToSshd);
        double o = median(openssh);
        System.out.printf("%nmedian of %d x %d MiB: snapferry push %.0f MiB/s, snapferry pull %.0f MiB/s, MINA->sshd %.0f MiB/s, "
                + "OpenSSH %.0f MiB/s; ratio snapferry push/OpenSSH %.2f, pull/OpenSSH %.2f%n", rounds, mib, s, p, m, o, s / o, p / o);
    }

    private static double report(String what, long bytes, long nanos) {
        double mibs = (bytes / 1048576.0) / (nanos / 1e9);
        System.out.printf("%-40s %8.0f MiB/s  (%.2f s)%n", what, mibs, nanos / 1e9);
        return mibs;
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    private static long pushEndpoint(SshConnector connector, SshConnection c, long bytes) throws IOException {
        try (RemoteEndpoint ep = connector.openEndpoint(c)) {
            long t0 = System.nanoTime();
            ReceiveResult r = ep.receive(DatasetName.of("pool/sink/x"), new ZeroStream(bytes), ReceiveOptions.defaults());
            long t = System.nanoTime() - t0;
            if (r.bytes() != bytes) {
                throw new IllegalStateException("the server received " + r.bytes() + " bytes of " + bytes);
            }
            return t;
        }
    }

    private static long pullEndpoint(SshConnector connector, SshConnection c, long bytes) throws IOException {
        try (RemoteEndpoint ep = connector.openEndpoint(c)) {
            long t0 = System.nanoTime();
            long n = 0;
            byte[] buf = new byte[256 * 1024];
            try (InputStream in = ep.send(SendRequest.full(SnapshotName.parse("pool/src@bench")))) {
                for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
                    n += r;
                }
            }
            long t = System.nanoTime() - t0;
            if (n != bytes) {
                throw new IllegalStateException("pulled " + n + " bytes of " + bytes);
            }
            return t;
        }
    }

    private static long pushExec(SshConnector connector, SshConnection c, long bytes) throws IOException {
        try (SshSession s = connector.open(c)) {
            long t0 = System.nanoTime();
            try (RemoteCommand cat = s.exec("sh", "-c", "cat > /dev/null")) {
                byte[] buf = new byte[256 * 1024];
                try (OutputStream in = cat.stdin()) {
                    for (long left = bytes; left > 0; left -= buf.length) {
                        in.write(buf, 0, (int) Math.min(buf.length, left));
                    }
                }
                int status = cat.waitFor(Duration.ofMinutes(5));
                if (status != 0) {
                    throw new IllegalStateException("remote cat exited " + status);
                }
            }
            return System.nanoTime() - t0;
        }
    }

    private static long pushOpenSsh(Path dir, KeyPairs keys, Path known, int port, long bytes) throws Exception {
        String cmd = "head -c " + bytes + " /dev/zero | ssh -F /dev/null -c aes128-gcm@openssh.com -i " + keys.directory().resolve("bench.key")
                + " -p " + port + " -o StrictHostKeyChecking=yes -o UserKnownHostsFile=" + known
                + " -o BatchMode=yes -o IdentitiesOnly=yes root@127.0.0.1 'cat > /dev/null'";
        long t0 = System.nanoTime();
        Processes.Result r = Processes.run(List.of("sh", "-c", cmd), (String) null, dir);
        long t = System.nanoTime() - t0;
        if (r.exitCode() != 0) {
            throw new IllegalStateException("ssh failed: " + r.stderr());
        }
        return t;
    }

    /** {@code size} zero bytes, produced without copying. */
    private static final class ZeroStream extends InputStream {
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
    private static final class DiscardingProvider implements DatasetProvider {
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
