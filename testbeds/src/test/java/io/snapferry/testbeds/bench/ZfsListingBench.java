package io.snapferry.testbeds.bench;

import io.snapferry.dataset.DatasetName;
import io.snapferry.zfs.ZfsCommandProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@link ZfsCommandProvider#listSnapshots} of a zfs-fuse dataset with 10,000 snapshots, against
 * {@code zfs list -t snapshot} of the same dataset and against the very command the provider runs.
 */
public final class ZfsListingBench implements Benchmark {
    static final int COUNT = Integer.getInteger("bench.listing.snapshots", 10_000);
    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("'auto-'yyyy-MM-dd_HH-mm");

    public static void main(String[] args) {
        BenchRunner.runOne(new ZfsListingBench());
    }

    @Override
    public String name() {
        return "zfs-listing";
    }

    @Override
    public String title() {
        return "listing 10,000 snapshots of a zfs-fuse dataset";
    }

    @Override
    public String description() {
        return """
                A zfs-fuse dataset with 10,000 snapshots (`auto-YYYY-MM-DD_HH-MM`, 5 minutes apart, made one \
                `zfs snapshot` at a time; the pool image is cached in `testbeds/bench/cache/zfs-listing/`, \
                see below for how long building it took). Measured, alternating, after one warm-up round: \
                `ZfsCommandProvider.listSnapshots` (run the command, parse its output into `Snapshot` records); \
                the peer `zfs list -t snapshot -r pool/ds` with its output read; and the exact command the \
                provider runs on this ZFS (zfs-fuse has no `zfs list -p`, so the provider reads \
                guid, createtxg, creation, used, referenced and userrefs with one `zfs get -Hp -d 1`). \
                The difference between the provider and its command is snapferry's own cost; as zfs-fuse's \
                own time varies by seconds under load, that cost is measured alone: the listing is \
                captured once and replayed by a stand-in `zfs` script (`cat`), and `listSnapshots` through it \
                is compared with running the stand-in alone (spawn, read, parse; no ZFS).""";
    }

    @Override
    public List<Figure> run(BenchContext ctx) throws Exception {
        int runs = ctx.runs(5);
        try (BenchPool pool = BenchPool.cached(ctx, "zfs-listing", "v1 " + COUNT, 512L << 20, ZfsListingBench::populate)) {
            DatasetName ds = DatasetName.of(pool.name() + "/ds");
            ZfsCommandProvider zfs = new ZfsCommandProvider();
            List<String> own = zfs.features().parsableList()
                    ? List.of("zfs", "list", "-H", "-p", "-t", "snapshot", "-o", "name,guid,createtxg,creation,used,referenced,userrefs",
                    "-s", "createtxg", "-d", "1", ds.value())
                    : List.of("zfs", "get", "-Hp", "-d", "1", "-o", "name,property,value",
                    "guid,createtxg,creation,used,referenced,userrefs", ds.value());
            List<Double> provider = new ArrayList<>();
            List<Double> list = new ArrayList<>();
            List<Double> command = new ArrayList<>();
            for (int i = -1; i < runs; i++) {
                long t0 = System.nanoTime();
                int n = zfs.listSnapshots(ds).size();
                double p = BenchContext.msSince(t0);
                if (n != COUNT) {
                    throw new IllegalStateException("listSnapshots returned " + n + " snapshots, the fixture has " + COUNT
                            + "; delete " + ctx.cacheDir("zfs-listing") + " to rebuild it");
                }
                Cmd.Result l = Cmd.run("zfs", "list", "-t", "snapshot", "-r", ds.value()).check();
                Cmd.Result c = Cmd.run(own).check();
                ctx.log("%s: listSnapshots %.0f ms, zfs list -t snapshot %.0f ms, %s %.0f ms",
                        i < 0 ? "warm-up" : "run " + (i + 1), p, l.millis(), own.get(1), c.millis());
                if (i >= 0) {
                    provider.add(p);
                    list.add(l.millis());
                    command.add(c.millis());
                }
            }
            double pm = BenchContext.median(provider);
            double cm = BenchContext.median(command);
            List<Double> replayProvider = new ArrayList<>();
            List<Double> replayCommand = new ArrayList<>();
            replay(ctx, ds, own, runs * 2, replayProvider, replayCommand);
            ctx.note("Fixture: %s", pool.note());
            ctx.note("Medians of %d runs. All runs (ms): listSnapshots %s; zfs list -t snapshot %s; provider's command %s.",
                    runs, StreamZfsBench.list(provider), StreamZfsBench.list(list), StreamZfsBench.list(command));
            ctx.note("The provider's command here: `%s`.", String.join(" ", own).replace(ds.value(), "pool/ds"));
            return List.of(
                    Figure.vs("ZfsCommandProvider.listSnapshots, median", pm, BenchContext.median(list), "ms",
                            "`zfs list -t snapshot -r`", Figure.Goal.below(500, "< 0.5 s")),
                    Figure.vs("ZfsCommandProvider.listSnapshots vs its own command", pm, cm, "ms",
                            "`zfs " + own.get(1) + "` it runs", Figure.Goal.NONE),
                    Figure.vs("listSnapshots over the replayed listing (snapferry's own cost), median",
                            BenchContext.median(replayProvider), BenchContext.median(replayCommand), "ms",
                            "the replaying command run alone", Figure.Goal.below(500, "< 0.5 s")));
        }
    }

    /**
     * zfs-fuse takes seconds to produce the listing, which drowns what snapferry does with it; so
     * the listing is captured once and replayed by a stand-in {@code zfs} (a shell script that
     * {@code cat}s it for the listing command and runs the real {@code zfs} for anything else, so
     * the provider probes the same features), and {@code listSnapshots} through it is timed
     * against running that stand-in alone: spawning, reading and parsing, without ZFS.
     */
    private static void replay(BenchContext ctx, DatasetName ds, List<String> own, int runs, List<Double> provider,
                               List<Double> command) throws Exception {
        Path tmp = Files.createTempDirectory("snapferry-bench-listing-");
        try {
            Path listing = tmp.resolve("listing.txt");
            Files.writeString(listing, Cmd.run(own).check().out());
            Path script = tmp.resolve("zfs");
            Files.writeString(script, "#!/bin/sh\n"
                    + "if [ \"$*\" = '" + String.join(" ", own.subList(1, own.size())) + "' ]; then exec cat '" + listing + "'; fi\n"
                    + "exec " + ZfsCommandProvider.defaultBinary("zfs") + " \"$@\"\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            ZfsCommandProvider replaying = new ZfsCommandProvider(script.toString(), ZfsCommandProvider.defaultBinary("zpool"));
            List<String> alone = new ArrayList<>(own);
            alone.set(0, script.toString());
            for (int i = -3; i < runs; i++) {
                long t0 = System.nanoTime();
                int n = replaying.listSnapshots(ds).size();
                double p = BenchContext.msSince(t0);
                if (n != COUNT) {
                    throw new IllegalStateException("listSnapshots over the replayed listing returned " + n + " snapshots");
                }
                Cmd.Result c = Cmd.run(alone).check();
                if (i >= 0) {
                    provider.add(p);
                    command.add(c.millis());
                }
            }
            ctx.log("replayed listing (%,d bytes): listSnapshots %s ms; the stand-in alone %s ms", Files.size(listing),
                    StreamZfsBench.list(provider), StreamZfsBench.list(command));
            ctx.note("Replayed listing: %,d bytes captured from the command above, replayed by a stand-in `zfs` script (`cat`), "
                    + "%d runs after 3 warm-ups. listSnapshots (ms): %s; the stand-in alone: %s.", Files.size(listing), runs,
                    StreamZfsBench.list(provider), StreamZfsBench.list(command));
        } finally {
            BenchPool.deleteTree(tmp);
        }
    }

    private static String populate(String pool, Path mnt) throws Exception {
        String ds = pool + "/ds";
        Cmd.run("zfs", "create", ds).check();
        LocalDateTime t = LocalDateTime.of(2026, 1, 1, 0, 0);
        long t0 = System.nanoTime();
        for (int i = 0; i < COUNT; i++) {
            Cmd.run("zfs", "snapshot", ds + "@" + NAME.format(t.plusMinutes(5L * i))).check();
            if ((i + 1) % 1000 == 0) {
                System.err.printf("  %,d of %,d snapshots made in %.0f s%n", i + 1, COUNT, BenchContext.msSince(t0) / 1000);
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        return String.format(Locale.ROOT, "making the %,d snapshots one `zfs snapshot` at a time took %d min %d s (%.1f ms each) on %s",
                COUNT, took.toMinutes(), took.toSecondsPart(), took.toMillis() / (double) COUNT,
                Instant.now().atOffset(ZoneOffset.UTC).toLocalDate());
    }
}
