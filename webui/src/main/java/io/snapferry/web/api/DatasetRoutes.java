package io.snapferry.web.api;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.snapferry.daemon.app.Appliance;
import io.snapferry.daemon.pools.Pools;
import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code /api/v1/pools}, {@code /api/v1/datasets}, {@code /api/v1/snapshots}. */
public final class DatasetRoutes {
    private final Pools pools;

    public DatasetRoutes(Appliance appliance) {
        this.pools = appliance.pools();
    }

    /** A dataset as the API shows it; the GUID as an unsigned decimal string (it does not fit a JSON number). */
    public record DatasetView(String name, String kind, String guid, long used, long available, String mountpoint,
                              boolean readonly, String provider) {
        static DatasetView of(Dataset d, String provider) {
            return new DatasetView(d.name().value(), d.kind().name().toLowerCase(), Long.toUnsignedString(d.guid()), d.used(),
                    d.available(), d.mountpoint().orElse(null), d.readonly(), provider);
        }
    }

    public record SnapshotView(String name, String dataset, String snapshot, String guid, long createTxg,
                               String createdAt, long used, long referenced, int holds) {
        public static SnapshotView of(Snapshot s) {
            return new SnapshotView(s.name().toString(), s.dataset().value(), s.shortName(), Long.toUnsignedString(s.guid()),
                    s.createTxg(), s.createdAt().toString(), s.used(), s.referenced(), s.holds());
        }
    }

    public void register(Javalin app) {
        app.get("/api/v1/pools", ctx -> ctx.json(pools.list()));
        app.get("/api/v1/datasets", this::listDatasets);
        app.post("/api/v1/datasets", this::createDataset);
        app.get("/api/v1/snapshots", this::listSnapshots);
        app.post("/api/v1/snapshots", this::createSnapshot);
        app.delete("/api/v1/snapshots", this::destroySnapshot);
        app.post("/api/v1/snapshots/rollback", this::rollback);
        app.get("/api/v1/snapshots/holds", ctx -> {
            SnapshotName s = Body.query(ctx).snapshot("name");
            ctx.json(pools.providerOf(s.dataset()).holds(s));
        });
        app.post("/api/v1/snapshots/holds", this::hold);
        app.delete("/api/v1/snapshots/holds", this::release);
    }

    private void listDatasets(Context ctx) {
        Optional<DatasetName> root = Body.query(ctx).string("root").map(r -> Body.query(ctx).dataset("root"));
        List<DatasetView> out = new ArrayList<>();
        for (Dataset d : pools.datasets(root)) {
            out.add(DatasetView.of(d, pools.providerOf(d.name()).kind()));
        }
        ctx.json(out);
    }

    private void createDataset(Context ctx) {
        DatasetName name = Body.of(ctx).dataset("name");
        DatasetProvider p = pools.providerOf(name);
        ctx.status(201).json(DatasetView.of(p.createDataset(name), p.kind()));
    }

    private void listSnapshots(Context ctx) {
        DatasetName d = Body.query(ctx).dataset("dataset");
        ctx.json(pools.snapshots(d).stream().map(SnapshotView::of).toList());
    }

    private void createSnapshot(Context ctx) {
        Body b = Body.of(ctx);
        DatasetName d = b.dataset("dataset");
        String name = b.requiredString("name");
        try {
            d.snapshot(name);
        } catch (io.snapferry.dataset.DatasetException e) {
            throw ApiError.badRequest("name", e.getMessage());
        }
        List<DatasetName> exclude = new ArrayList<>();
        for (String x : b.strings("exclude")) {
            exclude.add(DatasetName.of(x));
        }
        List<SnapshotName> created = pools.snapshot(d, name, b.bool("recursive", false), exclude);
        ctx.status(201).json(Map.of("created", created.stream().map(SnapshotName::toString).toList()));
    }

    private void destroySnapshot(Context ctx) {
        SnapshotName s = Body.query(ctx).snapshot("name");
        DestroyResult r = pools.providerOf(s.dataset()).destroySnapshots(List.of(s));
        Map<String, String> skipped = new LinkedHashMap<>();
        r.skipped().forEach((k, v) -> skipped.put(k.toString(), v));
        ctx.json(Map.of("destroyed", r.destroyed().stream().map(SnapshotName::toString).toList(), "skipped", skipped));
    }

    private void rollback(Context ctx) {
        Body b = Body.of(ctx);
        SnapshotName s = b.snapshot("name");
        pools.providerOf(s.dataset()).rollback(s, b.bool("destroyNewer", false));
        ctx.json(Map.of("rolledBack", s.toString()));
    }

    private void hold(Context ctx) {
        Body b = Body.of(ctx);
        SnapshotName s = b.snapshot("name");
        pools.providerOf(s.dataset()).hold(s, b.requiredString("tag"));
        ctx.status(201).json(Map.of("held", s.toString()));
    }

    private void release(Context ctx) {
        Body q = Body.query(ctx);
        SnapshotName s = q.snapshot("name");
        pools.providerOf(s.dataset()).release(s, q.requiredString("tag"));
        ctx.json(Map.of("released", s.toString()));
    }
}
