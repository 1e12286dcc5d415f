package io.snapferry.testbeds.bench;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.stream.FramedDatasetProvider;
import io.snapferry.stream.SnapshotIdentity;
import io.snapferry.stream.StreamHeader;
import io.snapferry.stream.StreamOptions;
import io.snapferry.stream.StreamWriter;
import io.snapferry.zfs.ZfsCommandProvider;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A full send of a 1 GiB snapshot of incompressible data on zfs-fuse, through snapferry's stream
 * format to /dev/null, against plain {@code zfs send > /dev/null} of the same snapshot; the sides
 * alternate, medians are compared.
 */
public final class StreamZfsBench implements Benchmark {
    static final long DATA_BYTES = Long.getLong("bench.stream.bytes", 1L << 30);

    public static void main(String[] args) {
        BenchRunner.runOne(new StreamZfsBench());
    }

    @Override
    public String name() {
        return "stream-zfs";
    }

    @Override
    public String title() {
        return "full send of a 1 GiB zfs-fuse snapshot through the stream format";
    }

    @Override
    public String description() {
        return """
                A zfs-fuse pool on a sparse file holds one dataset (compression off) with one file of \
                incompressible bytes (a SplittableRandom generator) and one snapshot; the pool image is cached \
                in `testbeds/bench/cache/stream-zfs/`. Five sides send the full snapshot to /dev/null, \
                alternating, one warm-up round first: the peer `zfs send pool/ds@s > /dev/null`; \
                `FramedDatasetProvider.send` over `ZfsCommandProvider` (what the daemon sends: framing on a \
                128 KiB read loop), read to /dev/null; and `StreamWriter.pump` from the `zfs send` stdout \
                straight into /dev/null. Default stream options: 1 MiB frames, no compression, no \
                encryption (frame digests and CRCs are always computed). The ratio is snapferry's time over \
                the peer's: 1.0 means the framing costs nothing. The other two sides tell where the time \
                goes: `zfs send | cat > /dev/null` (the peer's bytes through a pipe, as snapferry \
                reads them) and `ZfsCommandProvider.send` read by the JVM into /dev/null without framing.""";
    }

    @Override
    public List<Figure> run(BenchContext ctx) throws Exception {
        int runs = ctx.runs(3);
        long mib = DATA_BYTES >> 20;
        try (BenchPool pool = BenchPool.cached(ctx, "stream-zfs", "v1 " + DATA_BYTES, DATA_BYTES * 2 + (256L << 20),
                StreamZfsBench::populate)) {
            SnapshotName snap = DatasetName.of(pool.name() + "/ds").snapshot("s");
            ZfsCommandProvider zfs = new ZfsCommandProvider();
            FramedDatasetProvider framed = new FramedDatasetProvider(zfs, "bench", StreamOptions.defaults(), io.snapferry.stream.KeyResolver.NONE, r -> {
            });
            long guid = zfs.listSnapshots(snap.dataset()).stream().filter(s -> s.name().equals(snap))
                    .mapToLong(Snapshot::guid).findFirst().orElseThrow();
            StreamHeader header = StreamHeader.create(zfs.capabilities().streamKind(), snap.dataset(), Optional.empty(),
                    SnapshotIdentity.of(snap, guid), "bench");
            List<Double> peer = new ArrayList<>();
            List<Double> provider = new ArrayList<>();
            List<Double> pump = new ArrayList<>();
            List<Double> providerCpu = new ArrayList<>();
            List<Double> piped = new ArrayList<>();
            List<Double> raw = new ArrayList<>();
            long wire = 0;
            for (int i = -1; i < runs; i++) {
                String round = i < 0 ? "warm-up" : "run " + (i + 1) + "/" + runs;
                double p = Cmd.timeToDevNull(List.of("zfs", "send", snap.toString())) / 1000;
                long cpu0 = processCpuNanos();
                long t0 = System.nanoTime();
                long bytes;
                try (InputStream in = framed.send(SendRequest.full(snap)); OutputStream out = new FileOutputStream("/dev/null")) {
                    bytes = copy(in, out);
                }
                double f = BenchContext.msSince(t0) / 1000;
                double fCpu = (processCpuNanos() - cpu0) / 1e9;
                t0 = System.nanoTime();
                try (InputStream in = zfs.send(SendRequest.full(snap)); OutputStream out = new FileOutputStream("/dev/null")) {
                    StreamWriter.pump(in, out, header, StreamOptions.defaults());
                }
                double w = BenchContext.msSince(t0) / 1000;
                double c = Cmd.timeToDevNull(List.of("sh", "-c", "zfs send '" + snap + "' | cat")) / 1000;
                t0 = System.nanoTime();
                try (InputStream in = zfs.send(SendRequest.full(snap)); OutputStream out = new FileOutputStream("/dev/null")) {
                    copy(in, out);
                }
                double r = BenchContext.msSince(t0) / 1000;
                ctx.log("%s: zfs send %.2f s, FramedDatasetProvider.send %.2f s (JVM CPU %.2f s), StreamWriter.pump %.2f s,"
                        + " zfs send | cat %.2f s, ZfsCommandProvider.send unframed %.2f s", round, p, f, fCpu, w, c, r);
                if (i >= 0) {
                    peer.add(p);
                    provider.add(f);
                    providerCpu.add(fCpu);
                    pump.add(w);
                    piped.add(c);
                    raw.add(r);
                    wire = bytes;
                }
            }
            double peerMedian = BenchContext.median(peer);
            double providerMedian = BenchContext.median(provider);
            double pumpMedian = BenchContext.median(pump);
            ctx.note("Fixture: %s", pool.note());
            ctx.note("Medians of %d alternating runs. All runs (s): zfs send %s; FramedDatasetProvider.send %s; StreamWriter.pump %s;"
                    + " zfs send | cat %s; ZfsCommandProvider.send unframed %s.",
                    runs, list(peer), list(provider), list(pump), list(piped), list(raw));
            ctx.note("The framed stream is %,d bytes for %,d bytes of file data (headers, per-frame digests and the trailer included).",
                    wire, DATA_BYTES);
            String peerName = "`zfs send > /dev/null`";
            return List.of(
                    Figure.vs("full send, FramedDatasetProvider.send, median", providerMedian, peerMedian, "s", peerName,
                            Figure.Goal.ratioAtMost(1.1)),
                    Figure.vs("full send, StreamWriter.pump, median", pumpMedian, peerMedian, "s", peerName,
                            Figure.Goal.ratioAtMost(1.1)),
                    Figure.vs("full send, FramedDatasetProvider.send, median", providerMedian, BenchContext.median(piped), "s",
                            "`zfs send | cat > /dev/null`", Figure.Goal.NONE),
                    Figure.vs("framing alone: FramedDatasetProvider.send vs the same send unframed, median", providerMedian,
                            BenchContext.median(raw), "s", "`ZfsCommandProvider.send` read to /dev/null", Figure.Goal.NONE),
                    Figure.vs("throughput, FramedDatasetProvider.send", mib / providerMedian, mib / peerMedian, "MiB/s", peerName,
                            Figure.Goal.NONE),
                    Figure.of("snapferry JVM CPU time per send (FramedDatasetProvider.send), median",
                            BenchContext.median(providerCpu), "s", Figure.Goal.NONE));
        }
    }

    private static String populate(String pool, Path mnt) throws Exception {
        Cmd.run("zfs", "create", "-o", "compression=off", pool + "/ds").check();
        long t0 = System.nanoTime();
        SplittableRandom random = new SplittableRandom();
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(mnt.resolve("ds").resolve("data"))) {
            for (long done = 0; done < DATA_BYTES; done += buf.length) {
                for (int i = 0; i < buf.length; i += 8) {
                    long v = random.nextLong();
                    for (int k = 0; k < 8; k++) {
                        buf[i + k] = (byte) (v >>> (8 * k));
                    }
                }
                out.write(buf, 0, (int) Math.min(buf.length, DATA_BYTES - done));
            }
        }
        double write = BenchContext.msSince(t0) / 1000;
        Cmd.run("zfs", "snapshot", pool + "/ds@s").check();
        return String.format(Locale.ROOT, "%,d bytes of random data written into zfs-fuse in %.1f s (%.0f MiB/s) when the image was built",
                DATA_BYTES, write, (DATA_BYTES >> 20) / write);
    }

    private static long copy(InputStream in, OutputStream out) throws java.io.IOException {
        byte[] buf = new byte[1 << 20];
        long total = 0;
        for (int n; (n = in.read(buf)) >= 0; ) {
            out.write(buf, 0, n);
            total += n;
        }
        return total;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static String list(List<Double> values) {
        return String.join(", ", values.stream().map(Figure::format).toList());
    }
}
