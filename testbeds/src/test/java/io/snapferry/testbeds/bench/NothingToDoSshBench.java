package io.snapferry.testbeds.bench;

import io.snapferry.daemon.app.RemotesForBench;
import io.snapferry.daemon.replication.ReplicationTasks;
import io.snapferry.daemon.tasks.TaskRun;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.store.EmbeddedStore;
import io.snapferry.testbeds.twobox.Box;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A replication run with nothing to do over 100 datasets of 100 snapshots between two snapferry
 * daemons over their own SSH transport, both on the embedded store, so that listing costs what
 * snapferry's own machinery makes it cost (no zfs-fuse listing below it); beside it the same run
 * over the local transport and the floor of two bare tree listings.
 */
public final class NothingToDoSshBench implements Benchmark {
    static final int CHILDREN = 100;
    static final int SNAPSHOTS = 100;
    static final int FILE_BYTES = 4096;
    private static final DatasetName SOURCE = DatasetName.of("local/many");
    private static final String RECEIVE_ROOT = "local/fromA";
    private static final DatasetName SSH_TARGET = DatasetName.of(RECEIVE_ROOT + "/many");
    private static final DatasetName LOCAL_TARGET = DatasetName.of("local/many-copy");
    private static final String SSH_TASK = "nothing-ssh";
    private static final String LOCAL_TASK = "nothing-local";

    public static void main(String[] args) {
        BenchRunner.runOne(new NothingToDoSshBench());
    }

    @Override
    public String name() {
        return "nothing-to-do-ssh";
    }

    @Override
    public String title() {
        return "a replication run with nothing to do, 100 datasets x 100 snapshots, daemon to daemon over the ssh transport";
    }

    @Override
    public String description() {
        return """
                Two snapferry daemons in the benchmark's JVM (as the two-box tests start them: own data directory, \
                HTTPS and SSH on loopback), each with the embedded store (`EmbeddedStore.forDataDirectory`, the \
                provider of a box without ZFS: the pool `local` under the data directory), so that no zfs-fuse \
                listing is below the figure. Box B's pairing token lets box A receive below `local/fromA`. On A, \
                `local/many` with 100 child datasets, 100 snapshots each (10,100 counting the parent's), made in \
                100 rounds of one `createSnapshots` over all 101 datasets, 4 KiB of random bytes written into each \
                dataset before each round. One recursive push task, `snapferry replication create --transport ssh \
                --connection b --source local/many --target local/fromA/many --recursive --name-regex '.*' \
                --compression none --retention none --retries 0`, run once to copy everything (not timed, see the \
                notes); then the figure: `snapferry replication run TASK --wait` (the CLI in the same JVM, through \
                A's HTTPS API, as an operator would type it) with nothing to do: a new SSH connection to B, both \
                trees listed (B's through the endpoint protocol), every dataset planned and its cursor holds checked \
                on both sides, the run recorded. Each run must end `up to date` and B must still hold 10,100 \
                snapshots. Measured in the same rounds: the same run as the daemon recorded it (start to end of the \
                task run, without the CLI's polling), the same task over the local transport (A replicating into \
                `local/many-copy` in its own store), and the floor: one bare `listTree` of each side's store in the \
                benchmark's JVM (no transport, no daemon), both at once, as the replicator lists them. After the \
                measured rounds, three more runs of the ssh task show where its time goes: A's remote endpoints \
                (the appliance's own, over its SSH manager) wrapped so that every call to B is counted and timed, \
                and the phases of each run read from the times of its log lines. Everything is on loopback: each \
                call to B costs a round trip of well under a millisecond here, far less than between two sites.""";
    }

    @Override
    public List<Figure> run(BenchContext ctx) throws Exception {
        int runs = ctx.runs(5);
        Path dir = Files.createTempDirectory("snapferry-bench-nothing-");
        AtomicReference<EmbeddedStore> storeA = new AtomicReference<>();
        AtomicReference<EmbeddedStore> storeB = new AtomicReference<>();
        Path aDir = dir.resolve("a");
        Path bDir = dir.resolve("b");
        try (Box a = new Box(aDir, Clock.systemUTC(), () -> List.<DatasetProvider>of(open(storeA, aDir)));
             Box b = new Box(bDir, Clock.systemUTC(), () -> List.<DatasetProvider>of(open(storeB, bDir)))) {
            b.acceptPairingFrom(a, "b", "--receive-root", RECEIVE_ROOT);
            ManyDatasets tree = new ManyDatasets(SOURCE, CHILDREN, SNAPSHOTS, FILE_BYTES);
            long t0 = System.nanoTime();
            tree.build(storeA.get(), 42);
            ctx.note("Fixture: building the %d x %d datasets and snapshots on A took %.1f s (%d rounds of one `createSnapshots`"
                    + " over the %d datasets)", CHILDREN, SNAPSHOTS, BenchContext.msSince(t0) / 1000, SNAPSHOTS, CHILDREN + 1);
            ctx.log("fixture built");

            a.ok("replication", "create", "--name", SSH_TASK, "--transport", "ssh", "--connection", "b", "--source", SOURCE.value(),
                    "--target", SSH_TARGET.value(), "--recursive", "--name-regex", ".*", "--compression", "none",
                    "--retention", "none", "--retries", "0");
            a.ok("replication", "create", "--name", LOCAL_TASK, "--transport", "local", "--source", SOURCE.value(),
                    "--target", LOCAL_TARGET.value(), "--recursive", "--name-regex", ".*", "--compression", "none",
                    "--retention", "none", "--retries", "0");
            int total = tree.totalSnapshots();
            for (String task : List.of(SSH_TASK, LOCAL_TASK)) {
                t0 = System.nanoTime();
                String out = a.ok("replication", "run", task, "--wait").last();
                double s = BenchContext.msSince(t0) / 1000;
                ctx.log("%s, first run: %.1f s: %s", task, s, out);
                if (!out.startsWith("succeeded: replicated " + total + " snapshots")) {
                    throw new IllegalStateException("the first run of " + task + " should have copied all " + total
                            + " snapshots, but ended: " + out);
                }
                ctx.note("The first run of the %s task, copying all %,d snapshots (not timed for the figures): %.1f s",
                        task.equals(SSH_TASK) ? "ssh" : "local", total, s);
            }
            expectSnapshots(storeB.get(), SSH_TARGET, total);
            expectSnapshots(storeA.get(), LOCAL_TARGET, total);

            Map<String, List<Double>> times = new LinkedHashMap<>();
            for (String k : List.of(SSH, SSH_DAEMON, LOCAL, LOCAL_DAEMON, FLOOR, FLOOR_A, FLOOR_B)) {
                times.put(k, new ArrayList<>());
            }
            for (int i = -1; i < runs; i++) {
                Map<String, Double> round = new LinkedHashMap<>();
                // which of the two runs comes first alternates, so that neither always finds the caches warm
                boolean sshFirst = Math.floorMod(i, 2) == 0;
                for (String task : sshFirst ? List.of(SSH_TASK, LOCAL_TASK) : List.of(LOCAL_TASK, SSH_TASK)) {
                    double[] t = nothingToDo(a, task);
                    round.put(task.equals(SSH_TASK) ? SSH : LOCAL, t[0]);
                    round.put(task.equals(SSH_TASK) ? SSH_DAEMON : LOCAL_DAEMON, t[1]);
                }
                double[] floor = bareListings(storeA.get(), storeB.get());
                round.put(FLOOR, floor[0]);
                round.put(FLOOR_A, floor[1]);
                round.put(FLOOR_B, floor[2]);
                expectSnapshots(storeB.get(), SSH_TARGET, total);
                expectSnapshots(storeA.get(), LOCAL_TARGET, total);
                StringBuilder line = new StringBuilder();
                round.forEach((k, v) -> line.append(line.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.3f s", k, v)));
                ctx.log("%s: %s", i < 0 ? "warm-up" : "run " + (i + 1) + "/" + runs, line);
                if (i >= 0) {
                    round.forEach((k, v) -> times.get(k).add(v));
                }
            }
            Map<String, Double> m = new LinkedHashMap<>();
            times.forEach((k, v) -> m.put(k, BenchContext.median(v)));

            List<Figure> figures = new ArrayList<>();
            figures.add(Figure.of("nothing to do, 100 datasets x 100 snapshots, ssh transport (daemon to daemon),"
                    + " `replication run --wait`, median", m.get(SSH), "s", Figure.Goal.below(3, "< 3 s")));
            figures.add(Figure.vs("the same run as the daemon recorded it (task start to end), against the floor"
                    + " (one bare `listTree` of each side's store, at once), median", m.get(SSH_DAEMON), m.get(FLOOR), "s",
                    "bare listTree of both stores", Figure.Goal.NONE));
            figures.add(Figure.vs("nothing to do over the local transport (A into its own store), `replication run --wait`,"
                    + " median", m.get(LOCAL), m.get(FLOOR), "s", "bare listTree of both stores", Figure.Goal.below(3, "< 3 s")));
            ctx.note("The floor, one bare `EmbeddedStore.listTree` of each side in the benchmark's JVM, both at once: %.3f s"
                            + " (A's `local/many` alone %.3f s, B's `local/fromA/many` alone %.3f s, each timed within the pair)."
                            + " The daemon's own record of the ssh run: %.3f s; of the local run %.3f s; what the CLI adds"
                            + " (its API calls and its polling for the end, every 5 ms doubling to every 250 ms) is the rest.",
                    m.get(FLOOR), m.get(FLOOR_A), m.get(FLOOR_B), m.get(SSH_DAEMON), m.get(LOCAL_DAEMON));
            ctx.note("%s", whereTheTimeGoes(ctx, a, CHILDREN + 1));
            List<String> all = new ArrayList<>();
            times.forEach((k, v) -> all.add(k + " " + StreamZfsBench.list(v)));
            ctx.note("Medians of %d rounds after one warm-up round (the ssh and the local run alternate which goes first)."
                    + " All runs (s): %s.", runs, String.join("; ", all));
            return figures;
        } finally {
            BenchPool.deleteTree(dir);
        }
    }

    static final String SSH = "ssh run";
    static final String SSH_DAEMON = "ssh run as the daemon recorded it";
    static final String LOCAL = "local run";
    static final String LOCAL_DAEMON = "local run as the daemon recorded it";
    static final String FLOOR = "both listings";
    static final String FLOOR_A = "A's listing";
    static final String FLOOR_B = "B's listing";

    /** Instrumented runs of the ssh task after the measured ones. */
    static final int TRACED_RUNS = 3;

    /**
     * Runs the ssh task {@link #TRACED_RUNS} more times with the far side's calls timed (the
     * appliance's own remote endpoints, wrapped) and the phases of each run read from the times of
     * its log lines; returns a note saying where the time went (medians of those runs).
     */
    private static String whereTheTimeGoes(BenchContext ctx, Box a, int datasets) {
        CallTimes calls = new CallTimes();
        a.appliance().setRemoteEndpoints(calls.remotes(RemotesForBench.of(a.appliance())));
        Map<String, List<Double>> seconds = new LinkedHashMap<>();
        Map<String, Long> counts = new LinkedHashMap<>();
        List<Double> cli = new ArrayList<>();
        List<Double> start = new ArrayList<>();
        List<Double> replicate = new ArrayList<>();
        List<Double> record = new ArrayList<>();
        try {
            for (int i = 0; i < TRACED_RUNS; i++) {
                calls.clear();
                double[] t = nothingToDo(a, SSH_TASK);
                TaskRun run = a.appliance().history().last(ReplicationTasks.KIND, SSH_TASK).orElseThrow();
                RunPhases p = RunPhases.of(run, datasets);
                cli.add(t[0] - t[1]);
                start.add(p.start());
                replicate.add(p.replicate());
                record.add(p.record());
                calls.tallies().forEach((name, tally) -> {
                    seconds.computeIfAbsent(name, k -> new ArrayList<>()).add(tally.seconds());
                    counts.merge(name, tally.calls(), Math::max);
                });
                ctx.log("traced run %d/%d: %s; far side's calls %s", i + 1, TRACED_RUNS, p, calls.tallies());
            }
        } finally {
            a.appliance().setRemoteEndpoints(RemotesForBench.of(a.appliance()));
        }
        long farCalls = counts.entrySet().stream().filter(e -> !e.getKey().equals("open") && !e.getKey().equals("close"))
                .mapToLong(Map.Entry::getValue).sum();
        List<String> far = new ArrayList<>();
        seconds.forEach((name, v) -> far.add(String.format(Locale.ROOT, "`%s` %s (%d call%s)", name,
                Figure.format(BenchContext.median(v)), counts.get(name), counts.get(name) == 1 ? "" : "s")));
        return String.format(Locale.ROOT, "Where the ssh run's time goes (%d more runs with the far side's calls timed, medians in"
                        + " seconds): the daemon's run %s from its start to its first log line (the task compiled), %s replicating"
                        + " (the connection opened, both trees listed, every dataset planned, the cursors checked), %s after the"
                        + " replicator returned (each target's newest snapshot looked up for the lag metric, the run recorded);"
                        + " the CLI's own part (its API calls and polling) %s. The far side's calls, each timed where A makes it"
                        + " (B's listing runs while A's own is made): %s. Besides opening the connection, a run asks B %d"
                        + " questions, each at least one round trip: on a link with a round trip of 20 ms they alone would"
                        + " take %.1f s.",
                TRACED_RUNS, Figure.format(BenchContext.median(start)), Figure.format(BenchContext.median(replicate)),
                Figure.format(BenchContext.median(record)), Figure.format(BenchContext.median(cli)), String.join(", ", far), farCalls,
                farCalls * 0.020);
    }

    private static EmbeddedStore open(AtomicReference<EmbeddedStore> ref, Path dataDir) {
        ref.set(EmbeddedStore.forDataDirectory(dataDir));
        return ref.get();
    }

    /**
     * One {@code replication run TASK --wait} on {@code a} that must find nothing to do; returns the
     * seconds the CLI took and the seconds between the start and the end the daemon recorded.
     */
    private static double[] nothingToDo(Box a, String task) {
        long t0 = System.nanoTime();
        String out = a.ok("replication", "run", task, "--wait").last();
        double cli = BenchContext.msSince(t0) / 1000;
        if (!out.equals("succeeded: up to date")) {
            throw new IllegalStateException("a run of " + task + " with nothing to do ended: " + out);
        }
        TaskRun run = a.appliance().history().last(ReplicationTasks.KIND, task)
                .orElseThrow(() -> new IllegalStateException("no run of " + task + " in the history"));
        double daemon = Duration.between(run.startedAt(), run.endedAt().orElseThrow()).toNanos() / 1e9;
        return new double[] {cli, daemon};
    }

    /** One {@code listTree} of each side's tree, both at once; seconds for both, for A's, for B's. */
    private static double[] bareListings(EmbeddedStore a, EmbeddedStore b) throws Exception {
        long t0 = System.nanoTime();
        CompletableFuture<Double> far = CompletableFuture.supplyAsync(() -> {
            long s = System.nanoTime();
            b.listTree(SSH_TARGET);
            return BenchContext.msSince(s) / 1000;
        });
        long s = System.nanoTime();
        a.listTree(SOURCE);
        double here = BenchContext.msSince(s) / 1000;
        double there = far.get();
        return new double[] {BenchContext.msSince(t0) / 1000, here, there};
    }

    private static void expectSnapshots(EmbeddedStore store, DatasetName root, int count) {
        int n = store.listSnapshotsBelow(root).size();
        if (n != count) {
            throw new IllegalStateException(root + " has " + n + " snapshots, expected " + count);
        }
    }
}
