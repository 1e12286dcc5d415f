package io.snapferry.testbeds.bench;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.ssh.OpenSshd;
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
import java.util.List;
import java.util.Optional;

/**
 * Throughput of snapferry's SSH channel on loopback against OpenSSH with the same cipher: 1 GiB
 * pushed through the endpoint protocol to a snapferry server that discards it, alternating with
 * {@code head -c 1G /dev/zero | ssh -c aes128-gcm@openssh.com ... 'cat > /dev/null'} to a local
 * OpenSSH sshd.
 */
public final class SshChannelBench implements Benchmark {
    static final long BYTES = Long.getLong("bench.ssh.bytes", 1L << 30);
    private static final String CIPHER = "aes128-gcm@openssh.com";

    public static void main(String[] args) {
        BenchRunner.runOne(new SshChannelBench());
    }

    @Override
    public String name() {
        return "ssh-channel";
    }

    @Override
    public String title() {
        return "SSH channel throughput on loopback against OpenSSH";
    }

    @Override
    public String description() {
        return """
                1 GiB of zero bytes pushed over loopback, alternating, after a 256 MiB warm-up of each side, \
                all with the cipher aes128-gcm@openssh.com: snapferry's `RemoteEndpoint.receive` from its \
                MINA SSHD client to a `SnapferrySshServer` whose provider counts and discards what it receives \
                (the endpoint protocol and its framing included; the time ends when the server has reported \
                the byte count); the peer `head -c 1073741824 /dev/zero | ssh -c aes128-gcm@openssh.com \
                root@127.0.0.1 'cat > /dev/null'` to an OpenSSH sshd started for the run. Two more sides tell \
                where the time goes: `RemoteEndpoint.send` (a pull of a stream the server makes up) and the \
                snapferry client running `cat > /dev/null` on the OpenSSH sshd. Throughput in MiB/s; the ratio \
                is snapferry's over OpenSSH's, so higher is better here.""";
    }

    @Override
    public List<Figure> run(BenchContext ctx) throws Exception {
        int runs = ctx.runs(3);
        Path dir = Files.createTempDirectory("snapferry-bench-ssh-");
        try {
            KeyPairs keys = new KeyPairs(dir.resolve("keys"));
            KeyInfo key = keys.generate("bench");
            FilePeerRegistry peers = new FilePeerRegistry(dir.resolve("peers.json"));
            peers.put(new Peer("bench", key.publicKey(), Optional.of(DatasetName.of("pool/sink")),
                    List.of(DatasetName.of("pool/src"))));
            SshConnector connector = new SshConnector(keys, new EndpointIdentity("bench-client", "0.1.0"));
            List<Double> push = new ArrayList<>();
            List<Double> pull = new ArrayList<>();
            List<Double> exec = new ArrayList<>();
            List<Double> openssh = new ArrayList<>();
            try (SnapferrySshServer server = new SnapferrySshServer(new SnapferrySshServer.Settings("127.0.0.1", 0,
                    dir.resolve("host.key"), new EndpointIdentity("bench-server", "0.1.0")), peers,
                    new Discard.DiscardingProvider(BYTES));
                 OpenSshd sshd = OpenSshd.start(dir.resolve("sshd"), List.of(key.publicKey()))) {
                server.start();
                SshConnection toServer = new SshConnection("server", "127.0.0.1", server.port(), "bench", "bench",
                        server.hostPublicKey(), Duration.ofSeconds(20), List.of(CIPHER));
                SshConnection toSshd = new SshConnection("sshd", "127.0.0.1", sshd.port(), "root", "bench",
                        sshd.hostPublicKey(), Duration.ofSeconds(20), List.of(CIPHER));
                Path known = dir.resolve("known_hosts");
                Files.writeString(known, "[127.0.0.1]:" + sshd.port() + " " + sshd.hostPublicKey() + "\n");
                Path keyFile = keys.directory().resolve("bench.key");
                long warm = Math.min(BYTES, 256L << 20);
                pushEndpoint(connector, toServer, warm);
                pushOpenSsh(keyFile, known, sshd.port(), warm);
                ctx.log("warm-up done");
                for (int i = 0; i < runs; i++) {
                    double s = mibs(BYTES, pushEndpoint(connector, toServer, BYTES));
                    double o = mibs(BYTES, pushOpenSsh(keyFile, known, sshd.port(), BYTES));
                    double p = mibs(BYTES, pullEndpoint(connector, toServer, BYTES));
                    double e = mibs(BYTES, pushExec(connector, toSshd, BYTES));
                    ctx.log("run %d/%d: snapferry push %.0f MiB/s, OpenSSH %.0f MiB/s, snapferry pull %.0f MiB/s,"
                            + " snapferry client -> sshd cat %.0f MiB/s", i + 1, runs, s, o, p, e);
                    push.add(s);
                    openssh.add(o);
                    pull.add(p);
                    exec.add(e);
                }
            }
            ctx.note("Medians of %d alternating runs of %,d bytes. All runs (MiB/s): snapferry push %s; OpenSSH %s;"
                    + " snapferry pull %s; snapferry client -> OpenSSH sshd %s.", runs, BYTES, StreamZfsBench.list(push),
                    StreamZfsBench.list(openssh), StreamZfsBench.list(pull), StreamZfsBench.list(exec));
            ctx.note("Both ends of every side run on this machine's 2 CPUs, so a side's throughput is bounded by"
                    + " the CPU time of sender and receiver together.");
            String peer = "`ssh -c aes128-gcm@openssh.com ... 'cat > /dev/null'`";
            double o = BenchContext.median(openssh);
            return List.of(
                    Figure.vs("push, RemoteEndpoint.receive to a snapferry server, median", BenchContext.median(push), o,
                            "MiB/s", peer, Figure.Goal.ratioAtLeast(1.0)),
                    Figure.vs("pull, RemoteEndpoint.send from a snapferry server, median", BenchContext.median(pull), o,
                            "MiB/s", peer, Figure.Goal.NONE),
                    Figure.vs("snapferry's client running `cat > /dev/null` on OpenSSH sshd, median",
                            BenchContext.median(exec), o, "MiB/s", peer, Figure.Goal.NONE));
        } finally {
            BenchPool.deleteTree(dir);
        }
    }

    private static double mibs(long bytes, long nanos) {
        return (bytes / 1048576.0) / (nanos / 1e9);
    }

    private static long pushEndpoint(SshConnector connector, SshConnection c, long bytes) throws IOException {
        try (RemoteEndpoint ep = connector.openEndpoint(c)) {
            long t0 = System.nanoTime();
            ReceiveResult r = ep.receive(DatasetName.of("pool/sink/x"), new Discard.ZeroStream(bytes), ReceiveOptions.defaults());
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

    private static long pushOpenSsh(Path keyFile, Path known, int port, long bytes) {
        double ms = Cmd.timeToDevNull(List.of("sh", "-c", "head -c " + bytes + " /dev/zero | " + Ssh.command(keyFile, known, port)
                + " -c " + CIPHER + " root@127.0.0.1 'cat > /dev/null'"));
        return (long) (ms * 1e6);
    }
}
