package io.snapferry.testbeds.bench;

import io.snapferry.daemon.app.SshZfsForBench;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.Snapshot;
import io.snapferry.replication.DatasetResult;
import io.snapferry.replication.LocalEndpoint;
import io.snapferry.replication.ProgressListener;
import io.snapferry.replication.ReplicationResult;
import io.snapferry.replication.ReplicationSpec;
import io.snapferry.replication.Replicator;
import io.snapferry.replication.Sleeper;
import io.snapferry.replication.StreamTransform;
import io.snapferry.ssh.OpenSshd;
import io.snapferry.ssh.client.SshConnection;
import io.snapferry.ssh.client.SshConnector;
import io.snapferry.ssh.client.SshSession;
import io.snapferry.ssh.endpoint.EndpointIdentity;
import io.snapferry.ssh.keys.KeyInfo;
import io.snapferry.ssh.keys.KeyPairs;
import io.snapferry.zfs.ZfsCommandProvider;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * snapferry's replication over the ssh-zfs transport against syncoid, both pulling from this
 * machine's zfs-fuse through a local OpenSSH sshd: a 1 GiB full send, 100 and 1,000 small incrementals, and a
 * run with nothing to do over 100 datasets of 100 snapshots.
 */
public final class ReplicationSyncoidBench implements Benchmark {
    static final long BIG_BYTES = Long.getLong("bench.replication.bytes", 1L << 30);
    static final int INCREMENTALS = 100;
    static final int MANY_INCREMENTALS = 1000;
    static final int MANY_DATASETS = 100;
    static final int MANY_SNAPSHOTS = 100;
    private static final String CIPHER = "aes128-gcm@openssh.com";

    public static void main(String[] args) {
        BenchRunner.runOne(new ReplicationSyncoidBench());
    }

    @Override
    public String name() {
        return "replication-vs-syncoid";
    }

    @Override
    public String title() {
        return "replication over ssh-zfs against syncoid";
    }

    @Override
    public String description() {
        return """
                Both tools pull from `root@127.0.0.1` through an OpenSSH sshd started for the run into this \
                machine's zfs-fuse, with the same cipher (aes128-gcm@openssh.com) and no compression. snapferry: \
                the daemon's `Replicator` over the ssh-zfs transport (the source is `ZfsCommandProvider` driving \
                `zfs` over snapferry's SSH client, as `SshRemotes` builds it; the target the local \
                `ZfsCommandProvider`; raw ZFS streams, cursor holds and ownership records as in a real task). \
                The peer: `syncoid --no-privilege-elevation --no-sync-snap --compress=none --sshport P --sshkey K \
                --sshoption=Ciphers=aes128-gcm@openssh.com ... root@127.0.0.1:SRC DST` (syncoid uses mbuffer and \
                pv, both installed; syncoid 2.1.0 as packaged, with one line fixed: when `zfs get -t snapshot` fails, as on \
                zfs-fuse, its fallback listing of a remote source prefixes the ssh command twice and fails). The sources are cached pool images \
                (`testbeds/bench/cache/replication-vs-syncoid-{big,small,many}/`, one per fixture, so that changing \
                one does not rebuild the others): a 1 GiB dataset of incompressible bytes with one snapshot; \
                datasets with 101 and 1,001 small incremental snapshots (4 KiB written between each); and 100 \
                child datasets with 100 snapshots each (10,100 snapshots counting the parent's) with a full copy \
                received beside them. Four figures, each measured alone, alternating snapferry and syncoid (which \
                goes first alternates too), one warm-up round first: the 1 GiB full into a new pool; the 100 and \
                the 1,000 incrementals onto a target seeded with the first snapshot (the seeding is not timed); \
                and a recursive run over the 100 x 100 datasets whose copy is already up to date (snapferry's \
                cursor holds are in place from the warm-up round on). Targets are \
                destroyed between runs. \
                `-Dbench.replication.figures=full,incrementals,incrementals-1000,nothing` (in `BENCH_JAVA_OPTS`) \
                measures only the figures named; the section then shows only those.""";
    }

    /** The figures this benchmark can measure; {@code -Dbench.replication.figures=a,b} selects some. */
    enum Which {
        FULL("full"), INCREMENTALS("incrementals"), MANY_INCREMENTALS("incrementals-1000"), NOTHING("nothing");

        final String key;

        Which(String key) {
            this.key = key;
        }

        static Set<Which> selected() {
            String p = System.getProperty("bench.replication.figures", "").strip();
            if (p.isEmpty()) {
                return java.util.EnumSet.allOf(Which.class);
            }
            Set<Which> out = java.util.EnumSet.noneOf(Which.class);
            for (String k : p.split(",")) {
                out.add(java.util.Arrays.stream(values()).filter(w -> w.key.equals(k.strip())).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("unknown figure '" + k + "' in bench.replication.figures;"
                                + " known: " + java.util.Arrays.stream(values()).map(w -> w.key).toList())));
            }
            return out;
        }
    }

    /** One timed pass of one side; returns seconds. */
    @FunctionalInterface
    private interface Side {
        double run(int round) throws Exception;
    }

    @Override
    public List<Figure> run(BenchContext ctx) throws Exception {
        int runs = ctx.runs(3);
        Set<Which> which = Which.selected();
        Path dir = Files.createTempDirectory("snapferry-bench-repl-");
        List<BenchPool> pools = new ArrayList<>();
        try {
            String big = null;
            String small = null;
            String many = null;
            if (which.contains(Which.FULL)) {
                BenchPool b = BenchPool.cached(ctx, "replication-vs-syncoid-big", "v1 " + BIG_BYTES, BIG_BYTES + (1L << 30),
                        ReplicationSyncoidBench::populateBig);
                pools.add(b);
                big = b.name();
            }
            if (which.contains(Which.INCREMENTALS) || which.contains(Which.MANY_INCREMENTALS)) {
                BenchPool b = BenchPool.cached(ctx, "replication-vs-syncoid-small", "v1 " + INCREMENTALS + " " + MANY_INCREMENTALS,
                        1L << 30, ReplicationSyncoidBench::populateSmall);
                pools.add(b);
                small = b.name();
            }
            if (which.contains(Which.NOTHING)) {
                BenchPool b = BenchPool.cached(ctx, "replication-vs-syncoid-many", "v1 " + MANY_DATASETS + "x" + MANY_SNAPSHOTS,
                        1L << 30, ReplicationSyncoidBench::populateMany);
                pools.add(b);
                many = b.name();
            }
            String target = BenchPool.uniqueName() + "t";
            Path targetImage = dir.resolve("target.img");
            Cmd.run("truncate", "-s", Long.toString(BIG_BYTES * 3 + (512L << 20)), targetImage.toString()).check();
            Cmd.run("zpool", "create", "-f", "-m", "none", target, targetImage.toString()).check();
            KeyPairs keys = new KeyPairs(dir.resolve("keys"));
            KeyInfo key = keys.generate("bench");
            List<Figure> figures = new ArrayList<>();
            List<String> allRuns = new ArrayList<>();
            try (OpenSshd sshd = OpenSshd.start(dir.resolve("sshd"), List.of(key.publicKey()))) {
                Path known = dir.resolve("known_hosts");
                Files.writeString(known, "[127.0.0.1]:" + sshd.port() + " " + sshd.hostPublicKey() + "\n");
                SshConnector connector = new SshConnector(keys, new EndpointIdentity("bench", "0.1.0"));
                SshConnection conn = new SshConnection("zfs-host", "127.0.0.1", sshd.port(), "root", "bench",
                        sshd.hostPublicKey(), Duration.ofSeconds(20), List.of(CIPHER));
                List<String> syncoid = List.of(patchedSyncoid(dir).toString(), "--no-privilege-elevation", "--no-sync-snap", "--compress=none",
                        "--quiet", "--sshport=" + sshd.port(), "--sshkey=" + keys.directory().resolve("bench.key"),
                        "--sshoption=UserKnownHostsFile=" + known, "--sshoption=StrictHostKeyChecking=yes",
                        "--sshoption=BatchMode=yes", "--sshoption=IdentitiesOnly=yes", "--sshoption=Ciphers=" + CIPHER);
                ZfsCommandProvider local = new ZfsCommandProvider();
                String peer = "syncoid";
                try {
                    if (big != null) {
                        String src = big + "/big";
                        double[] m = measure(ctx, runs, "1 GiB full", allRuns,
                                round -> {
                                    double s = snapferry(connector, conn, local, own(dir, round), "big", src, target + "/big-sf",
                                            false, 1);
                                    destroy(target + "/big-sf");
                                    releaseHolds(src);
                                    return s;
                                },
                                round -> {
                                    double s = syncoid(syncoid, src, target + "/big-sy", false);
                                    expectSnapshots(target + "/big-sy", 1);
                                    destroy(target + "/big-sy");
                                    return s;
                                });
                        figures.add(Figure.vs("1 GiB full, median", m[0], m[1], "s", peer, Figure.Goal.ratioAtMost(0.8)));
                    }
                    for (Which w : List.of(Which.INCREMENTALS, Which.MANY_INCREMENTALS)) {
                        if (!which.contains(w)) {
                            continue;
                        }
                        int n = w == Which.INCREMENTALS ? INCREMENTALS : MANY_INCREMENTALS;
                        String src = small + "/small" + n;
                        String label = String.format(Locale.ROOT, "%,d small incremental snapshots", n);
                        double[] m = measure(ctx, runs, label, allRuns,
                                round -> {
                                    seed(src + "@i0000", target + "/small" + n + "-sf");
                                    double s = snapferry(connector, conn, local, own(dir, round), "small" + n, src,
                                            target + "/small" + n + "-sf", false, n + 1);
                                    destroy(target + "/small" + n + "-sf");
                                    releaseHolds(src);
                                    return s;
                                },
                                round -> {
                                    seed(src + "@i0000", target + "/small" + n + "-sy");
                                    double s = syncoid(syncoid, src, target + "/small" + n + "-sy", false);
                                    expectSnapshots(target + "/small" + n + "-sy", n + 1);
                                    destroy(target + "/small" + n + "-sy");
                                    return s;
                                });
                        figures.add(Figure.vs(label + ", median", m[0], m[1], "s", peer, Figure.Goal.ratioAtMost(1.0)));
                    }
                    if (many != null) {
                        String src = many + "/many";
                        double[] m = measure(ctx, runs, "nothing to do", allRuns,
                                round -> snapferry(connector, conn, local, own(dir, round), "many", src, src + "-copy", true, 0),
                                round -> syncoid(syncoid, src, src + "-copy", true));
                        figures.add(Figure.vs("nothing to do, 100 datasets x 100 snapshots, median", m[0], m[1], "s", peer,
                                Figure.Goal.below(3, "< 3 s")));
                    }
                } finally {
                    Cmd.run("zpool", "destroy", "-f", target);
                }
            }
            for (BenchPool b : pools) {
                if (!b.note().isEmpty()) {
                    ctx.note("Fixture: %s", b.note());
                }
            }
            ctx.note("Medians of %d alternating runs after one warm-up round. All runs (s): %s.", runs, String.join("; ", allRuns));
            ctx.note("Measured: snapferry's ssh-zfs transport (its Replicator driving zfs over its own SSH client),"
                    + " a new SSH session per run; the host's ZFS features are probed in the warm-up round and"
                    + " remembered after, as the daemon remembers them per connection."
                    + " Not measured here: the ssh transport between two snapferry daemons (framed streams through"
                    + " the endpoint protocol); the ssh-channel section measures that channel alone.");
            return figures;
        } finally {
            for (BenchPool b : pools) {
                b.close();
            }
            BenchPool.deleteTree(dir);
        }
    }

    /** A fresh ownership directory per round, as a box that runs this task for the first time would have. */
    private static Path own(Path dir, int round) throws java.io.IOException {
        return Files.createDirectories(dir.resolve("ownership-" + round));
    }

    /**
     * Runs a warm-up round and {@code runs} timed rounds, alternating snapferry and the peer; returns
     * the medians {snapferry, peer} and adds the single runs to {@code allRuns}.
     */
    private static double[] measure(BenchContext ctx, int runs, String label, List<String> allRuns, Side snapferry, Side peer)
            throws Exception {
        List<Double> sf = new ArrayList<>();
        List<Double> sy = new ArrayList<>();
        for (int i = -1; i < runs; i++) {
            // Which side goes first alternates, so that neither always finds the caches the other warmed.
            double a;
            double b;
            if (i % 2 == 0) {
                b = peer.run(i + 1);
                a = snapferry.run(i + 1);
            } else {
                a = snapferry.run(i + 1);
                b = peer.run(i + 1);
            }
            ctx.log("%s, %s: snapferry %.2f s, syncoid %.2f s", label, i < 0 ? "warm-up" : "run " + (i + 1) + "/" + runs, a, b);
            if (i >= 0) {
                sf.add(a);
                sy.add(b);
            }
        }
        allRuns.add(label + " snapferry " + StreamZfsBench.list(sf) + ", syncoid " + StreamZfsBench.list(sy));
        return new double[] {BenchContext.median(sf), BenchContext.median(sy)};
    }

    /**
     * One snapferry run pulling {@code source} into {@code target}; checks that the target then has
     * {@code targetSnapshots} snapshots, or with 0 that nothing was received.
     */
    private static double snapferry(SshConnector connector, SshConnection conn, ZfsCommandProvider local, Path own, String task,
                                    String source, String target, boolean recursive, int targetSnapshots) throws Exception {
        long t0 = System.nanoTime();
        ReplicationResult r;
        try (SshSession session = connector.open(conn)) {
            LocalEndpoint from = new LocalEndpoint("zfs-host:bench", SshZfsForBench.provider(session), own.resolve("source"));
            LocalEndpoint to = new LocalEndpoint("bench-box", local, own.resolve("target"));
            ReplicationSpec spec = new ReplicationSpec(task, List.of(DatasetName.of(source)), DatasetName.of(target), recursive,
                    Set.of(), n -> true, false, 0);
            r = new Replicator(Replicator.Settings.defaults(), Sleeper.SYSTEM, StreamTransform.IDENTITY)
                    .run(spec, from, to, ProgressListener.NONE, Clock.systemUTC());
        }
        double s = BenchContext.msSince(t0) / 1000;
        if (!r.ok()) {
            throw new IllegalStateException("snapferry's replication of " + source + " failed: " + r.datasets().stream()
                    .filter(d -> !d.ok()).map(d -> d.source() + ": " + d.failure().orElseThrow()).toList());
        }
        long received = r.datasets().stream().mapToLong(d -> d.received().size()).sum();
        if (targetSnapshots > 0) {
            expectSnapshots(target, targetSnapshots);
        } else if (received != 0) {
            throw new IllegalStateException("a run with nothing to do received " + received + " snapshots");
        }
        return s;
    }

    /**
     * A copy of {@code /usr/sbin/syncoid} with one line fixed: when {@code zfs get -t snapshot} fails
     * (zfs-fuse has no {@code -t} there), its fallback listing of a remote source is handed the ssh
     * command already prefixed, prefixes it again and fails. The fix passes the host as given.
     */
    static Path patchedSyncoid(Path dir) throws java.io.IOException {
        String bug = "return getsnapsfallback($type,$rhost,$fs,$isroot,%snaps);";
        String script = Files.readString(Path.of("/usr/sbin/syncoid"));
        if (!script.contains(bug)) {
            throw new IllegalStateException("/usr/sbin/syncoid no longer has the line this benchmark fixes (" + bug
                    + "); check whether it still needs a fix on zfs-fuse and update patchedSyncoid");
        }
        Path copy = dir.resolve("syncoid");
        Files.writeString(copy, script.replace(bug, "return getsnapsfallback($type,$_[1],$fs,$isroot,%snaps);"));
        copy.toFile().setExecutable(true);
        return copy;
    }

    private static double syncoid(List<String> base, String source, String target, boolean recursive) {
        List<String> cmd = new ArrayList<>(base);
        if (recursive) {
            cmd.add("--recursive");
        }
        cmd.add("root@127.0.0.1:" + source);
        cmd.add(target);
        return Cmd.run(cmd).check().millis() / 1000;
    }

    private static void seed(String snapshot, String target) {
        Cmd.run("sh", "-c", "zfs send '" + snapshot + "' | zfs recv -u '" + target + "'").check();
    }

    private static void expectSnapshots(String dataset, int count) {
        String out = Cmd.run("zfs", "list", "-H", "-o", "name", "-t", "snapshot", "-d", "1", dataset).check().out();
        long n = out.lines().filter(l -> !l.isBlank()).count();
        if (count >= 0 && n != count) {
            throw new IllegalStateException(dataset + " has " + n + " snapshots after the replication, expected " + count);
        }
    }

    /** Destroys {@code dataset} with its snapshots, releasing the holds snapferry placed on them first. */
    private static void destroy(String dataset) {
        releaseHolds(dataset);
        Cmd.run("zfs", "destroy", "-r", dataset).check();
    }

    /**
     * Releases every hold on the snapshots of {@code dataset} (through the provider, which knows how
     * zfs-fuse records them), so that the next run starts from the same state.
     */
    private static void releaseHolds(String dataset) {
        ZfsCommandProvider zfs = new ZfsCommandProvider();
        for (Snapshot snap : zfs.listSnapshots(DatasetName.of(dataset))) {
            for (String tag : zfs.holds(snap.name())) {
                zfs.release(snap.name(), tag);
            }
        }
    }

    private static String populateBig(String pool, Path mnt) throws Exception {
        long t0 = System.nanoTime();
        Cmd.run("zfs", "create", "-o", "compression=off", pool + "/big").check();
        SplittableRandom random = new SplittableRandom(42);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(mnt.resolve("big").resolve("data"))) {
            for (long done = 0; done < BIG_BYTES; done += buf.length) {
                for (int i = 0; i < buf.length; i += 8) {
                    long v = random.nextLong();
                    for (int k = 0; k < 8; k++) {
                        buf[i + k] = (byte) (v >>> (8 * k));
                    }
                }
                out.write(buf, 0, (int) Math.min(buf.length, BIG_BYTES - done));
            }
        }
        Cmd.run("zfs", "snapshot", pool + "/big@s").check();
        return String.format(Locale.ROOT, "the 1 GiB dataset took %.0f s to build", BenchContext.msSince(t0) / 1000);
    }

    private static String populateSmall(String pool, Path mnt) throws Exception {
        SplittableRandom random = new SplittableRandom(43);
        List<String> took = new ArrayList<>();
        for (int n : List.of(INCREMENTALS, MANY_INCREMENTALS)) {
            long t0 = System.nanoTime();
            String ds = "small" + n;
            Cmd.run("zfs", "create", pool + "/" + ds).check();
            byte[] small = new byte[4096];
            for (int i = 0; i <= n; i++) {
                random.nextBytes(small);
                Files.write(mnt.resolve(ds).resolve("f" + (i % 50)), small);
                Cmd.run("zfs", "snapshot", String.format(Locale.ROOT, "%s/%s@i%04d", pool, ds, i)).check();
            }
            took.add(String.format(Locale.ROOT, "%.0f s for the %,d snapshots of %s", BenchContext.msSince(t0) / 1000, n + 1, ds));
        }
        return "building the incrementals took " + String.join(" and ", took);
    }

    private static String populateMany(String pool, Path mnt) throws Exception {
        long t0 = System.nanoTime();
        Cmd.run("zfs", "create", pool + "/many").check();
        for (int d = 0; d < MANY_DATASETS; d++) {
            Cmd.run("zfs", "create", String.format(Locale.ROOT, "%s/many/c%03d", pool, d)).check();
        }
        for (int s = 0; s < MANY_SNAPSHOTS; s++) {
            Cmd.run("zfs", "snapshot", "-r", String.format(Locale.ROOT, "%s/many@m%03d", pool, s)).check();
        }
        double many = BenchContext.msSince(t0) / 1000;
        t0 = System.nanoTime();
        Cmd.run("sh", "-c", String.format(Locale.ROOT, "zfs send -R %s/many@m%03d | zfs recv -u %s/many-copy", pool,
                MANY_SNAPSHOTS - 1, pool)).check();
        double copy = BenchContext.msSince(t0) / 1000;
        return String.format(Locale.ROOT, "building the %d x %d datasets and snapshots took %.0f s (`zfs snapshot -r`), and"
                        + " their copy %.0f s (`zfs send -R | zfs recv`)", MANY_DATASETS, MANY_SNAPSHOTS, many, copy);
    }
}
