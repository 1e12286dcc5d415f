package io.snapferry.testbeds.bench;

import io.snapferry.daemon.app.Appliance;
import io.snapferry.daemon.app.DaemonOptions;
import io.snapferry.daemon.config.DataDir;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.zfs.ZfsCommandProvider;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * {@code GET /api/v1/snapshots?dataset=..&limit=100&sort=name} on a dataset with 10,000 snapshots,
 * served by a whole daemon (HTTPS, token auth) in this JVM: over the in-memory provider (the
 * server's own cost) and, when the {@code zfs-listing} fixture is cached, over zfs-fuse.
 */
public final class SnapshotListHttpBench implements Benchmark {
    static final int COUNT = 10_000;
    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("'auto-'yyyy-MM-dd_HH-mm");

    public static void main(String[] args) {
        BenchRunner.runOne(new SnapshotListHttpBench());
    }

    @Override
    public String name() {
        return "snapshot-list-http";
    }

    @Override
    public String title() {
        return "one page of a 10,000-snapshot list over the HTTP API";
    }

    @Override
    public String description() {
        return """
                A daemon (`Appliance`, HTTPS on 127.0.0.1, the admin token as bearer) in the benchmark's JVM \
                serves `GET /api/v1/snapshots?dataset=D&limit=100&sort=name` (first page) and the same with \
                `offset=9900` (last page) for a dataset with 10,000 snapshots. The client keeps one HTTP/1.1 \
                connection open and measures each request from sending to the whole body received; 20 warm-up \
                requests, then 50 measured. First over the in-memory provider (`InMemoryDatasetProvider`, the \
                test fake: snapshots created in shuffled name order), which measures the server's own work: \
                listing, sorting, paging, JSON, TLS. Then, when `testbeds/bench/cache/zfs-listing/` holds \
                the `zfs-listing` pool, over `ZfsCommandProvider` on that zfs-fuse dataset (one warm-up, five \
                measured requests), where the `zfs get` behind each request dominates. No peer.""";
    }

    @Override
    public List<Figure> run(BenchContext ctx) throws Exception {
        List<Figure> figures = new ArrayList<>();
        InMemoryDatasetProvider memory = new InMemoryDatasetProvider(Clock.systemUTC(), "tank");
        DatasetName ds = DatasetName.of("tank/data");
        memory.createDataset(ds);
        List<String> names = new ArrayList<>();
        LocalDateTime t = LocalDateTime.of(2026, 1, 1, 0, 0);
        for (int i = 0; i < COUNT; i++) {
            names.add(NAME.format(t.plusMinutes(5L * i)));
        }
        Collections.shuffle(names, new Random(1));
        for (String n : names) {
            memory.createSnapshots(List.of(ds.snapshot(n)));
        }
        int runs = ctx.runs(50);
        figures.addAll(measure(ctx, memory, ds, "in-memory provider", 20, runs, Figure.Goal.below(300, "< 300 ms")));
        if (Files.exists(ctx.cacheDir("zfs-listing").resolve("ready"))) {
            try (BenchPool pool = BenchPool.cached(ctx, "zfs-listing", "v1 " + ZfsListingBench.COUNT, 512L << 20,
                    (p, m) -> {
                        throw new IllegalStateException("the zfs-listing fixture is out of date; run the zfs-listing benchmark first");
                    })) {
                figures.addAll(measure(ctx, new ZfsCommandProvider(), DatasetName.of(pool.name() + "/ds"),
                        "zfs-fuse, " + ZfsListingBench.COUNT + " snapshots", 1, Math.min(runs, 5), Figure.Goal.NONE));
            }
        } else {
            ctx.note("The zfs-fuse variant was skipped: no cached `zfs-listing` pool (run `testbeds/bench/run zfs-listing` first).");
        }
        return figures;
    }

    private List<Figure> measure(BenchContext ctx, DatasetProvider provider, DatasetName ds, String label, int warmups, int runs,
                                 Figure.Goal goal) throws Exception {
        Path tmp = Files.createTempDirectory("snapferry-bench-http-");
        Appliance appliance = new Appliance(new DaemonOptions(new DataDir(tmp.resolve("data")), "127.0.0.1", 0, 0, true, false),
                Clock.systemUTC(), List.of(provider));
        try {
            appliance.start();
            Https https = new Https();
            String token = appliance.dataDir().adminToken();
            String base = appliance.web().url() + "/api/v1/snapshots?dataset=" + ds.value() + "&limit=100&sort=name";
            List<Figure> out = new ArrayList<>();
            for (String page : List.of("", "&offset=9900")) {
                List<Double> ms = new ArrayList<>();
                for (int i = -warmups; i < runs; i++) {
                    long t0 = System.nanoTime();
                    HttpResponse<String> r = https.get(base + page, token);
                    double took = BenchContext.msSince(t0);
                    if (r.statusCode() != 200 || !r.body().contains("\"total\":" + countOf(provider, ds))) {
                        throw new IllegalStateException("GET " + base + page + " answered " + r.statusCode() + ": "
                                + r.body().substring(0, Math.min(300, r.body().length())));
                    }
                    if (i >= 0) {
                        ms.add(took);
                    }
                }
                String which = page.isEmpty() ? "first page" : "last page (offset 9900)";
                ctx.log("%s, %s: median %.1f ms, p90 %.1f ms", label, which, BenchContext.median(ms), BenchContext.percentile(ms, 0.9));
                out.add(Figure.of(label + ", " + which + ", median of " + runs, BenchContext.median(ms), "ms", goal));
                out.add(Figure.of(label + ", " + which + ", 90th percentile", BenchContext.percentile(ms, 0.9), "ms", Figure.Goal.NONE));
            }
            return out;
        } finally {
            appliance.close();
            BenchPool.deleteTree(tmp);
        }
    }

    private static int countOf(DatasetProvider provider, DatasetName ds) {
        return provider instanceof InMemoryDatasetProvider ? COUNT : ZfsListingBench.COUNT;
    }
}
