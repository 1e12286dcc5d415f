package io.snapferry.testbeds.bench;

import io.snapferry.daemon.config.DataDir;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.ssh.client.SshConnection;
import io.snapferry.ssh.client.SshConnector;
import io.snapferry.ssh.endpoint.EndpointIdentity;
import io.snapferry.ssh.endpoint.RemoteEndpoint;
import io.snapferry.ssh.keys.KeyInfo;
import io.snapferry.ssh.keys.KeyPairs;
import io.snapferry.ssh.server.FilePeerRegistry;
import io.snapferry.ssh.server.Peer;
import io.snapferry.store.EmbeddedStore;
import io.snapferry.stream.FramedDatasetProvider;
import io.snapferry.stream.KeyResolver;
import io.snapferry.stream.StreamOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The receiving daemon's peak resident memory while 256 MiB and 1 GiB are pushed to it over SSH:
 * the daemon runs as its own process ({@code ./snapferry daemon}, a fresh data directory, the
 * embedded store), its {@code /proc/PID/status} sampled during the transfer.
 */
public final class TransferRssBench implements Benchmark {
    private static final long FILE = 16L << 20;
    private static final long[] SIZES = {256L << 20, 1L << 30};
    private static final Pattern PUBLIC_KEY = Pattern.compile("\"publicKey\"\\s*:\\s*\"([^\"]+)\"");

    public static void main(String[] args) {
        BenchRunner.runOne(new TransferRssBench());
    }

    @Override
    public String name() {
        return "transfer-rss";
    }

    @Override
    public String title() {
        return "the receiving daemon's peak memory during a 256 MiB and a 1 GiB push";
    }

    @Override
    public String description() {
        return """
                A sender in the benchmark's JVM holds two datasets in its own `EmbeddedStore`, of 256 MiB and \
                1 GiB (files of 16 MiB of incompressible bytes), one snapshot each. For each transfer a fresh \
                receiving daemon is started as its own process (`./snapferry --data TMP daemon --web-port 0 \
                --ssh-port 0 --bind 127.0.0.1`: the launcher's JVM flags and its default heap, `SNAPFERRY_HEAP` = \
                256m), its peer list holding the sender's key with the receive root `local` (its embedded \
                store's pool). The sender pushes the snapshot's framed stream (`FramedDatasetProvider.send`, \
                default options) with `RemoteEndpoint.receive` over snapferry's SSH; meanwhile `/proc/PID/status` \
                of the daemon is read every 50 ms. Reported: VmHWM (the kernel's peak resident set) after the \
                transfer, and before it (after start-up), for both sizes; sizes alternate, one warm-up round \
                first, medians. No peer: the goal is a peak under 512 MiB that does not grow with the size.""";
    }

    @Override
    public List<Figure> run(BenchContext ctx) throws Exception {
        int runs = ctx.runs(3);
        Path launcher = ctx.repoRoot().resolve("snapferry");
        Path dir = Files.createTempDirectory("snapferry-bench-rss-");
        try {
            KeyPairs keys = new KeyPairs(dir.resolve("keys"));
            KeyInfo key = keys.generate("bench");
            SshConnector connector = new SshConnector(keys, new EndpointIdentity("bench-sender", "0.1.0"));
            List<List<Double>> before = List.of(new ArrayList<>(), new ArrayList<>());
            List<List<Double>> peak = List.of(new ArrayList<>(), new ArrayList<>());
            List<List<Double>> secs = List.of(new ArrayList<>(), new ArrayList<>());
            try (EmbeddedStore sender = new EmbeddedStore(Map.of("src", dir.resolve("sender")))) {
                FramedDatasetProvider framed = new FramedDatasetProvider(sender, "bench-sender", StreamOptions.defaults(),
                        KeyResolver.NONE, r -> {
                        });
                List<SnapshotName> snaps = new ArrayList<>();
                for (long size : SIZES) {
                    DatasetName ds = DatasetName.of("src/d" + (size >> 20));
                    sender.createDataset(ds);
                    fill(sender.mountpoint(ds), size);
                    SnapshotName s = ds.snapshot("t");
                    sender.createSnapshots(List.of(s));
                    snaps.add(s);
                }
                ctx.log("sender ready");
                for (int i = -1; i < runs; i++) {
                    for (int k = 0; k < SIZES.length; k++) {
                        double[] r = push(launcher, dir.resolve("run" + i + "-" + k), key, connector, framed, snaps.get(k), SIZES[k]);
                        ctx.log("%s, %d MiB: VmHWM %.0f MiB before, %.0f MiB after (%.1f s)", i < 0 ? "warm-up" : "run " + (i + 1),
                                SIZES[k] >> 20, r[0], r[1], r[2]);
                        if (i >= 0) {
                            before.get(k).add(r[0]);
                            peak.get(k).add(r[1]);
                            secs.get(k).add(r[2]);
                        }
                    }
                }
            }
            ctx.note("Medians of %d runs. All runs, VmHWM after the transfer (MiB): 256 MiB %s; 1 GiB %s. Before it: %s; %s."
                            + " Transfer times (s): 256 MiB %s; 1 GiB %s.", runs, StreamZfsBench.list(peak.get(0)),
                    StreamZfsBench.list(peak.get(1)), StreamZfsBench.list(before.get(0)), StreamZfsBench.list(before.get(1)),
                    StreamZfsBench.list(secs.get(0)), StreamZfsBench.list(secs.get(1)));
            double p256 = BenchContext.median(peak.get(0));
            double p1g = BenchContext.median(peak.get(1));
            return List.of(
                    Figure.of("peak resident memory (VmHWM), 256 MiB pushed, median", p256, "MiB", Figure.Goal.below(512, "< 512 MiB")),
                    Figure.of("peak resident memory (VmHWM), 1 GiB pushed, median", p1g, "MiB", Figure.Goal.below(512, "< 512 MiB")),
                    Figure.vs("peak for 1 GiB against the peak for 256 MiB", p1g, p256, "MiB", "peak for 256 MiB",
                            Figure.Goal.ratioAtMost(1.1)),
                    Figure.of("VmHWM after start-up, before the 1 GiB push, median", BenchContext.median(before.get(1)), "MiB",
                            Figure.Goal.NONE));
        } finally {
            BenchPool.deleteTree(dir);
        }
    }

    /** One fresh daemon receiving one push: {VmHWM before MiB, VmHWM after MiB, transfer seconds}. */
    private static double[] push(Path launcher, Path tmp, KeyInfo key, SshConnector connector, FramedDatasetProvider framed,
                                 SnapshotName snap, long size) throws Exception {
        Path data = tmp.resolve("data");
        Files.createDirectories(data.resolve("config"));
        new FilePeerRegistry(data.resolve("config").resolve("peers.json"))
                .put(new Peer("bench", key.publicKey(), Optional.of(DatasetName.of("local")), List.of()));
        Process p = null;
        try {
            long t0 = System.nanoTime();
            p = new ProcessBuilder(launcher.toString(), "--data", data.toString(), "daemon", "--web-port", "0",
                    "--ssh-port", "0", "--bind", "127.0.0.1").redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("daemon.log").toFile()).start();
            DataDir dd = new DataDir(data);
            Optional<DataDir.ApiAddress> addr = Optional.empty();
            while (addr.isEmpty()) {
                StartupBench.check(p, t0, tmp);
                addr = Files.exists(data.resolve("api.json")) ? dd.apiAddress() : Optional.empty();
                LockSupport.parkNanos(10_000_000);
            }
            String token = dd.existingAdminToken().orElseThrow();
            String body = StartupBench.awaitOk(new Https(), addr.get().url() + "/api/v1/host-key", token, p, t0, tmp).body();
            Matcher m = PUBLIC_KEY.matcher(body);
            if (!m.find()) {
                throw new IllegalStateException("no publicKey in " + body);
            }
            long pid = addr.get().pid();
            double hwmBefore = StartupBench.statusKb(pid, "VmHWM") / 1024.0;
            SshConnection conn = new SshConnection("daemon", "127.0.0.1", addr.get().sshPort(), "bench", "bench", m.group(1),
                    Duration.ofSeconds(20), List.of());
            AtomicLong maxRss = new AtomicLong();
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        maxRss.accumulateAndGet(StartupBench.statusKb(pid, "VmRSS"), Math::max);
                    } catch (IOException | RuntimeException e) {
                        return;
                    }
                    LockSupport.parkNanos(50_000_000);
                }
            }, "rss-sampler");
            sampler.setDaemon(true);
            sampler.start();
            long s0 = System.nanoTime();
            ReceiveResult r;
            try (RemoteEndpoint ep = connector.openEndpoint(conn); InputStream in = framed.send(SendRequest.full(snap))) {
                r = ep.receive(DatasetName.of("local/bench"), in, ReceiveOptions.defaults());
            }
            double secs = BenchContext.msSince(s0) / 1000;
            sampler.interrupt();
            sampler.join();
            if (r.received().isEmpty() || r.bytes() < size) {
                throw new IllegalStateException("the daemon received " + r + " for " + size + " bytes of files");
            }
            double hwmAfter = StartupBench.statusKb(pid, "VmHWM") / 1024.0;
            return new double[] {hwmBefore, Math.max(hwmAfter, maxRss.get() / 1024.0), secs};
        } finally {
            if (p != null && p.isAlive()) {
                p.destroy();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
            }
            BenchPool.deleteTree(tmp);
        }
    }

    private static void fill(Path tree, long size) throws IOException {
        SplittableRandom random = new SplittableRandom(size);
        byte[] buf = new byte[(int) FILE];
        for (long done = 0; done < size; done += FILE) {
            random.nextBytes(buf);
            Files.write(tree.resolve("f" + (done / FILE)), buf);
        }
    }
}
