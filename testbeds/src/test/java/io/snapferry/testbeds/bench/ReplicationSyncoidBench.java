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
import io.snapferry.testbeds.twobox.Box;
import io.snapferry.zfs.ZfsCommandProvider;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * snapferry's replication over the ssh-zfs transport against syncoid, both pulling from this
 * machine's zfs-fuse through a local OpenSSH sshd: a 1 GiB full send, 100 and 1,000 small incrementals, and a
 * run with nothing to do over 100 datasets of 100 snapshots; beside them the floors no tool can go
 * below (a bare local pipe, a bare pipe over ssh, one bare listing per side) and, for the full and
 * the 100 incrementals, snapferry's own ssh transport between two daemons.
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
        return "replication over ssh-zfs (and snapferry's ssh transport) against syncoid";
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
                goes first rotates too), one warm-up round first: the 1 GiB full into a new pool; the 100 and \
                the 1,000 incrementals onto a target seeded with the first snapshot (the seeding is not timed); \
                and a recursive run over the 100 x 100 datasets whose copy is already up to date (snapferry's \
                cursor holds are in place from the warm-up round on). Targets are \
                destroyed between runs. Measured in the same rounds: the floors of the 1 GiB full (a local \
                `zfs send | zfs recv -u` on the same pools, no ssh, no tool; and the same with the send through \
                OpenSSH's `ssh` with the same cipher, no buffer) and of the run with nothing to do (one \
                bare `zfs get -Hp -r -o name,value guid` of each side, the source's through OpenSSH's `ssh`, both \
                at once); and, for the 1 GiB full and the 100 incrementals, snapferry's own ssh transport: two \
                daemons in the benchmark's JVM on the same zfs-fuse, box A pushing to box B over B's SSH service \
                (paired with a token that lets A receive below the target pool's `ssh` dataset), each run a \
                `snapferry replication run TASK --wait` of a task with `--transport ssh --compression none`, framed \
                and verified streams as between two boxes. \
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
                Boxes boxes = null;
                try {
                    if (big != null || small != null && which.contains(Which.INCREMENTALS)) {
                        boxes = Boxes.start(dir.resolve("boxes"), target);
                    }
                    if (big != null) {
                        String src = big + "/big";
                        Map<String, Side> sides = new LinkedHashMap<>();
                        sides.put(SNAPFERRY, round -> {
                            double s = snapferry(connector, conn, local, own(dir, round), "big", src, target + "/big-sf", false, 1);
                            destroy(target + "/big-sf");
                            releaseHolds(src);
                            return s;
                        });
                        sides.put(SYNCOID, round -> {
                            double s = syncoid(syncoid, src, target + "/big-sy", false);
                            expectSnapshots(target + "/big-sy", 1);
                            destroy(target + "/big-sy");
                            return s;
                        });
                        sides.put(FLOOR, round -> {
                            double s = Cmd.run("sh", "-c", "zfs send '" + src + "@s' | zfs recv -u '" + target + "/big-fl'")
                                    .check().millis() / 1000;
                            expectSnapshots(target + "/big-fl", 1);
                            destroy(target + "/big-fl");
                            return s;
                        });
                        List<String> ssh = openSsh(sshd.port(), keys.directory().resolve("bench.key"), known);
                        sides.put(SSH_FLOOR, round -> {
                            double s = Cmd.run("sh", "-c", String.join(" ", ssh) + " 'zfs send " + src + "@s' | zfs recv -u '"
                                    + target + "/big-fs'").check().millis() / 1000;
                            expectSnapshots(target + "/big-fs", 1);
                            destroy(target + "/big-fs");
                            return s;
                        });
                        if (boxes != null) {
                            sides.put(SSH, boxes.side("bigssh", src, target + "/ssh/big", 1, null));
                        }
                        Map<String, Double> m = measure(ctx, runs, "1 GiB full", allRuns, sides);
                        figures.add(Figure.vs("1 GiB full, median", m.get(SNAPFERRY), m.get(SYNCOID), "s", peer,
                                Figure.Goal.ratioAtMost(0.8)));
                        figures.add(Figure.vs("1 GiB full, snapferry against the floor (local `zfs send | zfs recv`, no ssh), median",
                                m.get(SNAPFERRY), m.get(FLOOR), "s", "local zfs send | zfs recv", Figure.Goal.NONE));
                        figures.add(Figure.vs("1 GiB full, snapferry against the floor over ssh (OpenSSH's `ssh HOST zfs send |"
                                        + " zfs recv`, no buffer), median", m.get(SNAPFERRY), m.get(SSH_FLOOR), "s",
                                "ssh zfs send | zfs recv", Figure.Goal.NONE));
                        if (boxes != null) {
                            // the goal is for a push by snapferry: the daemon-to-daemon push is that path
                            figures.add(Figure.vs("1 GiB full over the ssh transport (daemon to daemon), median", m.get(SSH),
                                    m.get(SYNCOID), "s", peer, Figure.Goal.ratioAtMost(0.8)));
                        }
                        double bare = m.get(FLOOR) / m.get(SYNCOID);
                        double overSsh = m.get(SSH_FLOOR) / m.get(SYNCOID);
                        ctx.note("The floors of the 1 GiB full, against syncoid's %.2f s: a local `zfs send SRC@s | zfs recv -u DST`"
                                        + " on the same pools (no ssh, no tool) %.2f s, %.2f x; the same with the send through OpenSSH's"
                                        + " `ssh root@127.0.0.1 'zfs send SRC@s'` (same cipher, no mbuffer) %.2f s, %.2f x. %s",
                                m.get(SYNCOID), m.get(FLOOR), bare, m.get(SSH_FLOOR), overSsh, overSsh > 0.8
                                        ? "Even the bare pipe over ssh is above 0.8: what separates syncoid from the local floor is"
                                        + " mostly the ssh transport itself (encryption and two more processes on the same cores), which"
                                        + " buffering can overlap but not remove; ratio ≤ 0.8 is at best marginal here for any tool"
                                        + " whose stream crosses ssh."
                                        : bare > 0.8
                                        ? "Even the local pipe is above 0.8: no tool can reach ratio ≤ 0.8 against syncoid here."
                                        : "Both are below 0.8: the goal leaves room to a tool that adds little to the pipe.");
                    }
                    for (Which w : List.of(Which.INCREMENTALS, Which.MANY_INCREMENTALS)) {
                        if (!which.contains(w)) {
                            continue;
                        }
                        int n = w == Which.INCREMENTALS ? INCREMENTALS : MANY_INCREMENTALS;
                        String src = small + "/small" + n;
                        String label = String.format(Locale.ROOT, "%,d small incremental snapshots", n);
                        Map<String, Side> sides = new LinkedHashMap<>();
                        sides.put(SNAPFERRY, round -> {
                            seed(src + "@i0000", target + "/small" + n + "-sf");
                            double s = snapferry(connector, conn, local, own(dir, round), "small" + n, src,
                                    target + "/small" + n + "-sf", false, n + 1);
                            destroy(target + "/small" + n + "-sf");
                            releaseHolds(src);
                            return s;
                        });
                        sides.put(SYNCOID, round -> {
                            seed(src + "@i0000", target + "/small" + n + "-sy");
                            double s = syncoid(syncoid, src, target + "/small" + n + "-sy", false);
                            expectSnapshots(target + "/small" + n + "-sy", n + 1);
                            destroy(target + "/small" + n + "-sy");
                            return s;
                        });
                        if (boxes != null && w == Which.INCREMENTALS) {
                            sides.put(SSH, boxes.side("small" + n + "ssh", src, target + "/ssh/small" + n, n + 1, src + "@i0000"));
                        }
                        Map<String, Double> m = measure(ctx, runs, label, allRuns, sides);
                        figures.add(Figure.vs(label + ", median", m.get(SNAPFERRY), m.get(SYNCOID), "s", peer,
                                Figure.Goal.ratioAtMost(1.0)));
                        if (sides.containsKey(SSH)) {
                            figures.add(Figure.vs(label + " over the ssh transport (daemon to daemon), median", m.get(SSH),
                                    m.get(SYNCOID), "s", peer, Figure.Goal.ratioAtMost(1.0)));
                        }
                    }
                    if (many != null) {
                        String src = many + "/many";
                        Map<String, Side> sides = new LinkedHashMap<>();
                        sides.put(SNAPFERRY, round -> snapferry(connector, conn, local, own(dir, round), "many", src, src + "-copy",
                                true, 0));
                        sides.put(SYNCOID, round -> syncoid(syncoid, src, src + "-copy", true));
                        // What any correct tool must do at least: list each side's snapshots once (the source's over
                        // ssh), both at the same time.
                        sides.put(FLOOR, round -> bareListings(sshd.port(), keys.directory().resolve("bench.key"), known, src,
                                src + "-copy"));
                        Map<String, Double> m = measure(ctx, runs, "nothing to do", allRuns, sides);
                        figures.add(Figure.vs("nothing to do, 100 datasets x 100 snapshots, median", m.get(SNAPFERRY), m.get(SYNCOID),
                                "s", peer, Figure.Goal.below(3, "< 3 s")));
                        figures.add(Figure.vs("nothing to do, snapferry against the floor (one bare listing per side, at once), median",
                                m.get(SNAPFERRY), m.get(FLOOR), "s", "zfs get guid -r, both sides", Figure.Goal.NONE));
                        ctx.note("The floor of a run with nothing to do: one `zfs get -Hp -r -o name,value guid` of each side"
                                + " (the source's through OpenSSH's ssh), both at once, took %.2f s: on zfs-fuse a listing of"
                                + " 10,100 snapshots costs the same whatever properties it asks for, so a run that must see"
                                + " every snapshot on both sides cannot go below this.", m.get(FLOOR));
                    }
                } finally {
                    if (boxes != null) {
                        boxes.close();
                    }
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
                    + " remembered after, as the daemon remembers them per connection. The ssh transport rows: a"
                    + " new connection from box A to box B per run, as a task run opens one.");
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

    static final String SNAPFERRY = "snapferry";
    static final String SYNCOID = "syncoid";
    static final String FLOOR = "floor";
    static final String SSH = "snapferry ssh";
    static final String SSH_FLOOR = "ssh floor";

    /**
     * Runs a warm-up round and {@code runs} timed rounds of every side; returns the medians by
     * side and adds the single runs to {@code allRuns}. The order rotates from round to round, so
     * that no side always finds the caches another one warmed, nor always comes first.
     */
    private static Map<String, Double> measure(BenchContext ctx, int runs, String label, List<String> allRuns,
                                               Map<String, Side> sides) throws Exception {
        List<String> names = new ArrayList<>(sides.keySet());
        Map<String, List<Double>> times = new LinkedHashMap<>();
        names.forEach(n -> times.put(n, new ArrayList<>()));
        for (int i = -1; i < runs; i++) {
            Map<String, Double> round = new LinkedHashMap<>();
            int first = Math.floorMod(i, names.size());
            for (int k = 0; k < names.size(); k++) {
                String n = names.get((first + k) % names.size());
                round.put(n, sides.get(n).run(i + 1));
            }
            StringBuilder line = new StringBuilder();
            for (String n : names) {
                line.append(line.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.2f s", n, round.get(n)));
            }
            ctx.log("%s, %s: %s", label, i < 0 ? "warm-up" : "run " + (i + 1) + "/" + runs, line);
            if (i >= 0) {
                round.forEach((n, t) -> times.get(n).add(t));
            }
        }
        Map<String, Double> medians = new LinkedHashMap<>();
        List<String> text = new ArrayList<>();
        for (String n : names) {
            medians.put(n, BenchContext.median(times.get(n)));
            text.add(n + " " + StreamZfsBench.list(times.get(n)));
        }
        allRuns.add(label + " " + String.join(", ", text));
        return medians;
    }

    /**
     * One {@code zfs get -Hp -r -o name,value guid} of each side, the source's through OpenSSH's
     * {@code ssh} to the benchmark's sshd, both started at once; returns the seconds until both ended.
     */
    private static double bareListings(int port, Path key, Path known, String source, String target) throws Exception {
        long t0 = System.nanoTime();
        List<String> cmd = new ArrayList<>(openSsh(port, key, known));
        cmd.add("zfs get -Hp -r -o name,value guid " + source);
        Process remote = new ProcessBuilder(cmd)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Process here = new ProcessBuilder("zfs", "get", "-Hp", "-r", "-o", "name,value", "guid", target)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        int a = remote.waitFor();
        int b = here.waitFor();
        double s = BenchContext.msSince(t0) / 1000;
        if (a != 0 || b != 0) {
            throw new IllegalStateException("the bare listings failed: ssh exit " + a + ", zfs exit " + b);
        }
        return s;
    }

    /** OpenSSH's {@code ssh} to root at the benchmark's sshd with the benchmark's cipher; the remote command follows. */
    private static List<String> openSsh(int port, Path key, Path known) {
        return List.of("ssh", "-p", Integer.toString(port), "-i", key.toString(), "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                "-o", "UserKnownHostsFile=" + known, "-o", "StrictHostKeyChecking=yes", "-o", "Ciphers=" + CIPHER, "root@127.0.0.1");
    }

    /**
     * Two snapferry daemons in this JVM, each on the local zfs-fuse: box A (the source's) pushes
     * over snapferry's own SSH transport to box B, which lets A receive below {@code TARGET/ssh}.
     * A push and syncoid's pull move the same bytes the same way: one SSH connection, the sending
     * side's {@code zfs send} at one end and the receiving side's {@code zfs recv} at the other.
     */
    private static final class Boxes implements AutoCloseable {
        private final Box a;
        private final Box b;
        private final String receiveRoot;

        private Boxes(Box a, Box b, String receiveRoot) {
            this.a = a;
            this.b = b;
            this.receiveRoot = receiveRoot;
        }

        static Boxes start(Path dir, String targetPool) throws Exception {
            String root = targetPool + "/ssh";
            Cmd.run("zfs", "create", root).check();
            Box a = new Box(dir.resolve("a"), Clock.systemUTC(), () -> List.of(new ZfsCommandProvider()));
            Box b;
            try {
                b = new Box(dir.resolve("b"), Clock.systemUTC(), () -> List.of(new ZfsCommandProvider()));
            } catch (Exception | Error e) {
                a.close();
                throw e;
            }
            Boxes boxes = new Boxes(a, b, root);
            try {
                b.acceptPairingFrom(a, "b", "--receive-root", root);
            } catch (Exception | Error e) {
                boxes.close();
                throw e;
            }
            return boxes;
        }

        /**
         * A side that runs A's push task {@code task} of {@code source} into {@code target} (below
         * the receive root) with {@code replication run --wait}, seeded first with {@code seed}
         * when given (not timed), checks that the target then has {@code snapshots} snapshots and
         * destroys it again.
         */
        Side side(String task, String source, String target, int snapshots, String seed) {
            if (!target.startsWith(receiveRoot + "/")) {
                throw new IllegalArgumentException(target + " is not below the receive root " + receiveRoot);
            }
            a.ok("replication", "create", "--name", task, "--transport", "ssh", "--connection", "b", "--source", source,
                    "--target", target, "--name-regex", ".*", "--compression", "none", "--retention", "none", "--retries", "0");
            return round -> {
                if (seed != null) {
                    seed(seed, target);
                }
                long t0 = System.nanoTime();
                a.ok("replication", "run", task, "--wait");
                double s = BenchContext.msSince(t0) / 1000;
                expectSnapshots(target, snapshots);
                destroy(target);
                releaseHolds(source);
                return s;
            };
        }

        @Override
        public void close() throws Exception {
            try {
                a.close();
            } finally {
                b.close();
            }
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
