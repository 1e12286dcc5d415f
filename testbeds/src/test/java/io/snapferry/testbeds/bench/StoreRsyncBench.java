package io.snapferry.testbeds.bench;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.ssh.OpenSshd;
import io.snapferry.ssh.keys.KeyInfo;
import io.snapferry.ssh.keys.KeyPairs;
import io.snapferry.store.EmbeddedStore;
import io.snapferry.store.GcReport;
import io.snapferry.store.VerifyReport;
import io.snapferry.stream.FramedDatasetProvider;
import io.snapferry.stream.KeyResolver;
import io.snapferry.stream.StreamOptions;
import java.io.FileOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The embedded store against rsync over OpenSSH: the initial copy of a 1 GiB tree of 10,000 files
 * and the copy after 1% of it changed (time and bytes on the wire), with the store's own figures
 * (snapshot + full send against {@code tar}, snapshot of an unchanged tree, GC and verification
 * rates).
 */
public final class StoreRsyncBench implements Benchmark {
    static final int FILES = Integer.getInteger("bench.store.files", 10_000);
    static final long TREE_BYTES = Long.getLong("bench.store.bytes", 1L << 30);
    private static final int PER_DIR = 100;
    private static final Pattern SENT = Pattern.compile("Total bytes sent: ([0-9,.]+)");

    public static void main(String[] args) {
        BenchRunner.runOne(new StoreRsyncBench());
    }

    @Override
    public String name() {
        return "store-vs-rsync";
    }

    @Override
    public String title() {
        return "the embedded store against rsync: a 1 GiB tree of 10,000 files, then 1% changed";
    }

    @Override
    public String description() {
        return """
                Each run builds a fresh tree of 10,000 files (100 directories of 100, 107,374 bytes each, 1 GiB \
                in all, incompressible bytes from a seeded SplittableRandom) in the live directory of a dataset \
                of a new `EmbeddedStore` (default options: zstd chunks), and a second empty store. Then, \
                alternating snapferry and the peer at each stage: `tar cf - DIR | cat > /dev/null` against the \
                first snapshot plus a full `FramedDatasetProvider.send` of it to /dev/null (default stream \
                options: no compression), and, as the floor of any store that keeps its own durable copy of                 the data, `cp -a DIR/. COPY/ && sync -f COPY` into the same file system (timed beside it, then                 deleted); the initial copy, snapferry's snapshot plus the framed full send \
                received by the second store's `FramedDatasetProvider.receive` in the same JVM (no SSH), \
                against `rsync -a --stats -e 'ssh -c aes128-gcm@openssh.com ...' DIR/ root@127.0.0.1:COPY/` \
                to a local OpenSSH sshd; a snapshot of the unchanged tree; then 100 files (1%) are rewritten \
                with new random bytes and the copy is repeated (snapshot plus incremental framed stream received \
                by the second store, against the same rsync). Bytes on the wire: the framed stream's length for \
                snapferry, rsync's `Total bytes sent` (its protocol, before SSH). Last, `collectGarbage` and \
                `verify` of the first store, as MiB/s of the pool's size on disk and of the bytes verify reports \
                checked. One warm-up run on a tenth of the tree first; medians of the measured runs.""";
    }

    @Override
    public List<Figure> run(BenchContext ctx) throws Exception {
        int runs = ctx.runs(3);
        Path dir = Files.createTempDirectory("snapferry-bench-store-");
        try {
            KeyPairs keys = new KeyPairs(dir.resolve("keys"));
            KeyInfo key = keys.generate("bench");
            try (OpenSshd sshd = OpenSshd.start(dir.resolve("sshd"), List.of(key.publicKey()))) {
                Path known = dir.resolve("known_hosts");
                Files.writeString(known, "[127.0.0.1]:" + sshd.port() + " " + sshd.hostPublicKey() + "\n");
                String ssh = Ssh.command(keys.directory().resolve("bench.key"), known, sshd.port()) + " -c aes128-gcm@openssh.com";
                Round warm = round(ctx, dir.resolve("warm"), FILES / 10, TREE_BYTES / 10, ssh);
                ctx.log("warm-up: %s", warm);
                List<Round> rounds = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    Round r = round(ctx, dir.resolve("run" + i), FILES, TREE_BYTES, ssh);
                    ctx.log("run %d/%d: %s", i + 1, runs, r);
                    rounds.add(r);
                }
                return figures(ctx, rounds);
            }
        } finally {
            BenchPool.deleteTree(dir);
        }
    }

    /** One measured round's numbers; times in seconds. */
    record Round(double tar, double durableCopy, double snap1, double send1, double copy1, long wire1, double rsync1, long rsyncWire1,
                 double snapUnchanged, long changedBytes, double snap2, double copy2, long wire2, double rsync2,
                 long rsyncWire2, double gc, double verify, long poolBytes, long verifiedBytes) {
    }

    private static Round round(BenchContext ctx, Path dir, int files, long bytes, String ssh) throws Exception {
        Files.createDirectories(dir);
        long fileSize = bytes / files;
        try (EmbeddedStore a = new EmbeddedStore(Map.of("a", dir.resolve("pool-a")));
             EmbeddedStore b = new EmbeddedStore(Map.of("b", dir.resolve("pool-b")))) {
            FramedDatasetProvider fa = new FramedDatasetProvider(a, "bench-a", StreamOptions.defaults(), KeyResolver.NONE, r -> {
            });
            FramedDatasetProvider fb = new FramedDatasetProvider(b, "bench-b", StreamOptions.defaults(), KeyResolver.NONE, r -> {
            });
            DatasetName ds = DatasetName.of("a/ds");
            a.createDataset(ds);
            Path tree = a.mountpoint(ds);
            for (int i = 0; i < files; i++) {
                write(tree, i, fileSize, 1);
            }
            Path copy = dir.resolve("rsync-copy");
            Files.createDirectories(copy);
            DatasetName target = DatasetName.of("b/ds");
            SnapshotName s1 = ds.snapshot("s1");
            SnapshotName s2 = ds.snapshot("s2");

            double tar = Cmd.timeToDevNull(List.of("sh", "-c", "tar cf - -C '" + tree + "' . | cat")) / 1000;
            long t0 = System.nanoTime();
            a.createSnapshots(List.of(s1));
            double snap1 = BenchContext.msSince(t0) / 1000;
            t0 = System.nanoTime();
            try (InputStream in = fa.send(SendRequest.full(s1)); OutputStream out = new FileOutputStream("/dev/null")) {
                in.transferTo(out);
            }
            double send1 = BenchContext.msSince(t0) / 1000;

            t0 = System.nanoTime();
            long wire1 = transfer(fa, fb, SendRequest.full(s1), target);
            double copy1 = snap1 + BenchContext.msSince(t0) / 1000;
            Cmd.Result r1 = rsync(ssh, tree, copy);
            double rsync1 = r1.millis() / 1000;

            t0 = System.nanoTime();
            a.createSnapshots(List.of(ds.snapshot("unchanged")));
            double snapUnchanged = BenchContext.msSince(t0) / 1000;

            long changed = 0;
            for (int i = 0; i < files; i += 100) {
                write(tree, i, fileSize, 2);
                changed += fileSize;
            }
            t0 = System.nanoTime();
            a.createSnapshots(List.of(s2));
            double snap2 = BenchContext.msSince(t0) / 1000;
            long wire2 = transfer(fa, fb, SendRequest.incremental(s1, s2, false), target);
            double copy2 = BenchContext.msSince(t0) / 1000;
            Cmd.Result r2 = rsync(ssh, tree, copy);
            double rsync2 = r2.millis() / 1000;

            long poolBytes = du(dir.resolve("pool-a")) - (tree.startsWith(dir.resolve("pool-a")) ? du(tree) : 0);
            t0 = System.nanoTime();
            GcReport gc = a.collectGarbage("a");
            double gcTime = BenchContext.msSince(t0) / 1000;
            t0 = System.nanoTime();
            VerifyReport v = a.verify("a");
            double verify = BenchContext.msSince(t0) / 1000;
            if (!v.clean()) {
                throw new IllegalStateException("verify found damage in a fresh store: " + v);
            }
            ctx.log("gc: %d chunks referenced, %d deleted", gc.chunksReferenced(), gc.chunksDeleted());
            if (b.listSnapshots(target).size() != 2) {
                throw new IllegalStateException("the second store holds " + b.listSnapshots(target) + ", expected s1 and s2");
            }
            // Last, so that the pages its deletion frees do not speed up a stage measured after it.
            Path cpCopy = dir.resolve("cp-copy");
            double durableCopy = Cmd.timeToDevNull(List.of("sh", "-c", "mkdir '" + cpCopy + "' && cp -a '" + tree + "/.' '"
                    + cpCopy + "/' && sync -f '" + cpCopy + "'")) / 1000;
            return new Round(tar, durableCopy, snap1, send1, copy1, wire1, rsync1, rsyncSent(r1), snapUnchanged, changed, snap2, copy2,
                    wire2, rsync2, rsyncSent(r2), gcTime, verify, poolBytes, v.bytesChecked());
        }
    }

    private static List<Figure> figures(BenchContext ctx, List<Round> rounds) {
        double tar = med(rounds, Round::tar);
        double first = med(rounds, r -> r.snap1() + r.send1());
        double copy1 = med(rounds, Round::copy1);
        double rsync1 = med(rounds, Round::rsync1);
        double copy2 = med(rounds, Round::copy2);
        double rsync2 = med(rounds, Round::rsync2);
        Round last = rounds.get(rounds.size() - 1);
        double mib = 1048576.0;
        ctx.note("Medians of %d runs. All runs (s): tar %s; cp -a + sync -f %s; snapshot + full send %s; initial copy snapferry %s, rsync %s;"
                        + " after the change snapferry %s, rsync %s; snapshot of the unchanged tree %s; GC %s; verify %s.",
                rounds.size(), all(rounds, Round::tar), all(rounds, Round::durableCopy), all(rounds, r -> r.snap1() + r.send1()), all(rounds, Round::copy1),
                all(rounds, Round::rsync1), all(rounds, Round::copy2), all(rounds, Round::rsync2),
                all(rounds, Round::snapUnchanged), all(rounds, Round::gc), all(rounds, Round::verify));
        ctx.note("Of the first snapshot + full send: the snapshot took %s s and the send %s s (medians).",
                Figure.format(med(rounds, Round::snap1)), Figure.format(med(rounds, Round::send1)));
        ctx.note("Bytes on the wire (last run): initial copy %,d (snapferry framed stream) and %,d (rsync); after changing"
                        + " %,d bytes, %,d and %,d. The store's pool held %,d bytes on disk (live tree excluded) when GC ran;"
                        + " verify checked %,d bytes.", last.wire1(), last.rsyncWire1(), last.changedBytes(), last.wire2(),
                last.rsyncWire2(), last.poolBytes(), last.verifiedBytes());
        ctx.note("snapferry's copy runs in one JVM without SSH; rsync's goes through ssh and sshd on the same 2 CPUs."
                + " The ssh-channel section measures snapferry's SSH channel alone.");
        String rsync = "`rsync -a` over ssh";
        return List.of(
                Figure.vs("first snapshot + full send to /dev/null, median", first, tar, "s", "`tar cf - DIR | cat > /dev/null`",
                        Figure.Goal.ratioAtMost(1.2)),
                Figure.vs("first snapshot + full send, against the floor (`cp -a` of the tree into the same file system, then `sync -f`), median",
                        first, med(rounds, Round::durableCopy), "s", "cp -a + sync -f", Figure.Goal.NONE),
                Figure.vs("initial copy: snapshot + full stream received by a second store, median", copy1, rsync1, "s",
                        rsync, Figure.Goal.NONE),
                Figure.vs("initial copy, bytes on the wire", last.wire1() / mib, last.rsyncWire1() / mib, "MiB", rsync,
                        Figure.Goal.NONE),
                Figure.vs("after changing 1%: snapshot + incremental received, median", copy2, rsync2, "s", rsync,
                        Figure.Goal.NONE),
                Figure.vs("after changing 1%, bytes on the wire", last.wire2() / mib, last.rsyncWire2() / mib, "MiB", rsync,
                        Figure.Goal.NONE),
                Figure.vs("incremental stream vs the bytes changed", last.wire2() / mib, last.changedBytes() / mib, "MiB",
                        "bytes changed", Figure.Goal.ratioAtMost(1.1)),
                Figure.of("snapshot of the unchanged 10,000-file tree, median", med(rounds, Round::snapUnchanged), "s",
                        Figure.Goal.below(0.5, "< 0.5 s")),
                Figure.of("garbage collection rate (pool size on disk / time), median",
                        med(rounds, r -> r.poolBytes() / mib / r.gc()), "MiB/s", Figure.Goal.NONE),
                Figure.of("verification rate (bytes checked / time), median",
                        med(rounds, r -> r.verifiedBytes() / mib / r.verify()), "MiB/s", Figure.Goal.NONE));
    }

    private static double med(List<Round> rounds, java.util.function.ToDoubleFunction<Round> f) {
        return BenchContext.median(rounds.stream().mapToDouble(f).toArray());
    }

    private static String all(List<Round> rounds, java.util.function.ToDoubleFunction<Round> f) {
        return String.join(", ", rounds.stream().mapToDouble(f).mapToObj(Figure::format).toList());
    }

    /** Sends {@code request} from one store and receives it into the other; the framed stream's length. */
    private static long transfer(FramedDatasetProvider from, FramedDatasetProvider to, SendRequest request, DatasetName target)
            throws IOException {
        try (InputStream in = from.send(request); CountingStream counted = new CountingStream(in)) {
            ReceiveResult r = to.receive(target, counted, ReceiveOptions.defaults());
            if (r.received().isEmpty()) {
                throw new IllegalStateException("nothing received from " + request);
            }
            return counted.count;
        }
    }

    private static Cmd.Result rsync(String ssh, Path tree, Path copy) {
        return Cmd.run("rsync", "-a", "--stats", "-e", ssh, tree + "/", "root@127.0.0.1:" + copy + "/").check();
    }

    private static long rsyncSent(Cmd.Result r) {
        Matcher m = SENT.matcher(r.out());
        if (!m.find()) {
            throw new IllegalStateException("rsync --stats printed no 'Total bytes sent': " + r.out());
        }
        return Long.parseLong(m.group(1).replace(",", "").replace(".", ""));
    }

    private static void write(Path tree, int i, long size, int generation) throws IOException {
        Path d = tree.resolve(String.format("d%03d", i / PER_DIR));
        Files.createDirectories(d);
        SplittableRandom random = new SplittableRandom(i * 1_000_003L + generation);
        byte[] buf = new byte[(int) size];
        for (int k = 0; k < buf.length; k += 8) {
            long v = random.nextLong();
            for (int j = 0; j < 8 && k + j < buf.length; j++) {
                buf[k + j] = (byte) (v >>> (8 * j));
            }
        }
        Files.write(d.resolve(String.format("f%05d", i)), buf);
    }

    private static long du(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        }
    }

    private static final class CountingStream extends FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
