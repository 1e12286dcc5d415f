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
 * machine's zfs-fuse through a local OpenSSH sshd: a 1 GiB full send, N small incrementals, and a
 * run with nothing to do over 100 datasets of 100 snapshots.
 */
public final class ReplicationSyncoidBench implements Benchmark {
    static final long BIG_BYTES = Long.getLong("bench.replication.bytes", 1L << 30);
    static final int INCREMENTALS = Integer.getInteger("bench.replication.incrementals", 100);
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
                zfs-fuse, its fallback listing of a remote source prefixes the ssh command twice and fails). The source pool is a cached image (`testbeds/bench/cache/replication-vs-syncoid/`) \
                holding a 1 GiB dataset of incompressible bytes with one snapshot; a dataset with %d small \
                incremental snapshots (4 KiB written between each); and 100 child datasets with 100 snapshots \
                each (10,100 snapshots counting the parent's) with a full copy received beside them. Three \
                figures, alternating snapferry and syncoid, one warm-up round first: the 1 GiB full into a new \
                pool; the %d incrementals onto a target seeded with the first snapshot (the seeding is not timed); \
                and a recursive run over the 100 x 100 datasets whose copy is already up to date. Targets are \
                destroyed between runs.""".formatted(INCREMENTALS + 1, INCREMENTALS);
    }

    @Override
    public List<Figure> run(BenchContext ctx) throws Exception {
        int runs = ctx.runs(3);
        Path dir = Files.createTempDirectory("snapferry-bench-repl-");
        String version = "v1 " + BIG_BYTES + " " + INCREMENTALS + " " + MANY_DATASETS + "x" + MANY_SNAPSHOTS;
        try (BenchPool pool = BenchPool.cached(ctx, "replication-vs-syncoid", version, BIG_BYTES * 2 + (1L << 30),
                ReplicationSyncoidBench::populate)) {
            String p = pool.name();
            String target = BenchPool.uniqueName() + "t";
            Path targetImage = dir.resolve("target.img");
            Cmd.run("truncate", "-s", Long.toString(BIG_BYTES * 3 + (512L << 20)), targetImage.toString()).check();
            Cmd.run("zpool", "create", "-f", "-m", "none", target, targetImage.toString()).check();
            KeyPairs keys = new KeyPairs(dir.resolve("keys"));
            KeyInfo key = keys.generate("bench");
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
                List<Double> bigSf = new ArrayList<>();
                List<Double> bigSy = new ArrayList<>();
                List<Double> incSf = new ArrayList<>();
                List<Double> incSy = new ArrayList<>();
                List<Double> noneSf = new ArrayList<>();
                List<Double> noneSy = new ArrayList<>();
                ZfsCommandProvider local = new ZfsCommandProvider();
                try {
                    for (int i = -1; i < runs; i++) {
                        String round = i < 0 ? "warm-up" : "run " + (i + 1) + "/" + runs;
                        Path own = Files.createDirectories(dir.resolve("ownership-" + (i + 1)));
                        // 1 GiB full
                        double a = snapferry(connector, conn, local, own, "big", p + "/big", target + "/big-sf", false, 1);
                        destroy(target + "/big-sf");
                        releaseHolds(p + "/big");
                        double b = syncoid(syncoid, p + "/big", target + "/big-sy", false);
                        expectSnapshots(target + "/big-sy", 1);
                        destroy(target + "/big-sy");
                        // N incrementals onto a seeded target
                        seed(p + "/small@i0000", target + "/small-sf");
                        seed(p + "/small@i0000", target + "/small-sy");
                        double c = syncoid(syncoid, p + "/small", target + "/small-sy", false);
                        expectSnapshots(target + "/small-sy", INCREMENTALS + 1);
                        double d = snapferry(connector, conn, local, own, "small", p + "/small", target + "/small-sf", false,
                                INCREMENTALS + 1);
                        destroy(target + "/small-sf");
                        destroy(target + "/small-sy");
                        releaseHolds(p + "/small");
                        // nothing to do over 100 x 100
                        double e = snapferry(connector, conn, local, own, "many", p + "/many", p + "/many-copy", true, 0);
                        double f = syncoid(syncoid, p + "/many", p + "/many-copy", true);
                        ctx.log("%s: 1 GiB full snapferry %.2f s, syncoid %.2f s; %d incrementals syncoid %.2f s, snapferry %.2f s;"
                                + " nothing to do snapferry %.2f s, syncoid %.2f s", round, a, b, INCREMENTALS, c, d, e, f);
                        if (i >= 0) {
                            bigSf.add(a);
                            bigSy.add(b);
                            incSf.add(d);
                            incSy.add(c);
                            noneSf.add(e);
                            noneSy.add(f);
                        }
                    }
                } finally {
                    Cmd.run("zpool", "destroy", "-f", target);
                }
                ctx.note("Fixture: %s", pool.note());
                ctx.note("Medians of %d alternating runs. All runs (s): 1 GiB full snapferry %s, syncoid %s; %d incrementals"
                                + " snapferry %s, syncoid %s; nothing to do snapferry %s, syncoid %s.", runs,
                        StreamZfsBench.list(bigSf), StreamZfsBench.list(bigSy), INCREMENTALS, StreamZfsBench.list(incSf),
                        StreamZfsBench.list(incSy), StreamZfsBench.list(noneSf), StreamZfsBench.list(noneSy));
                ctx.note("Measured: snapferry's ssh-zfs transport (its Replicator driving zfs over its own SSH client)."
                        + " Not measured here: the ssh transport between two snapferry daemons (framed streams through"
                        + " the endpoint protocol); the ssh-channel section measures that channel alone.");
                String peer = "syncoid";
                return List.of(
                        Figure.vs("1 GiB full, median", BenchContext.median(bigSf), BenchContext.median(bigSy), "s", peer,
                                Figure.Goal.ratioAtMost(0.8)),
                        Figure.vs(INCREMENTALS + " small incremental snapshots, median", BenchContext.median(incSf),
                                BenchContext.median(incSy), "s", peer, Figure.Goal.ratioAtMost(1.0)),
                        Figure.vs("nothing to do, 100 datasets x 100 snapshots, median", BenchContext.median(noneSf),
                                BenchContext.median(noneSy), "s", peer, Figure.Goal.below(3, "< 3 s")));
            }
        } finally {
            BenchPool.deleteTree(dir);
        }
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

    private static String populate(String pool, Path mnt) throws Exception {
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
        double big = BenchContext.msSince(t0) / 1000;

        t0 = System.nanoTime();
        Cmd.run("zfs", "create", pool + "/small").check();
        byte[] small = new byte[4096];
        for (int i = 0; i <= INCREMENTALS; i++) {
            random.nextBytes(small);
            Files.write(mnt.resolve("small").resolve("f" + (i % 50)), small);
            Cmd.run("zfs", "snapshot", String.format(Locale.ROOT, "%s/small@i%04d", pool, i)).check();
        }
        double inc = BenchContext.msSince(t0) / 1000;

        t0 = System.nanoTime();
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
        return String.format(Locale.ROOT, "building the source image took %.0f s for the 1 GiB dataset, %.0f s for the %d"
                        + " incrementals, %.0f s for the %d x %d datasets and snapshots (`zfs snapshot -r`), and %.0f s for their"
                        + " copy (`zfs send -R | zfs recv`)", big, inc, INCREMENTALS + 1, many, MANY_DATASETS, MANY_SNAPSHOTS,
                copy);
    }
}
