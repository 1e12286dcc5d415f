package io.snapferry.web.api;

import io.javalin.http.Context;
import io.snapferry.daemon.app.Appliance;
import io.snapferry.daemon.pools.Pools;
import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Locale;
import java.util.TreeSet;
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

    public void register(Routes routes) {
        routes.get("/api/v1/pools", ctx -> ctx.json(pools.list()));
        routes.get("/api/v1/datasets", this::listDatasets);
        routes.post("/api/v1/datasets", this::createDataset);
        routes.get("/api/v1/snapshots", this::listSnapshots);
        routes.post("/api/v1/snapshots", this::createSnapshot);
        routes.delete("/api/v1/snapshots", this::destroySnapshot);
        routes.post("/api/v1/snapshots/rollback", this::rollback);
        routes.get("/api/v1/snapshots/holds", ctx -> {
            SnapshotName s = Body.query(ctx).snapshot("name");
            ctx.json(new TreeSet<>(pools.providerOf(s.dataset()).holds(s)));
        });
        routes.post("/api/v1/snapshots/holds", this::hold);
        routes.delete("/api/v1/snapshots/holds", this::release);
    }

    private void listDatasets(Context ctx) {
        Optional<DatasetName> root = Body.query(ctx).string("root").map(r -> Body.query(ctx).dataset("root"));
        List<DatasetView> out = new ArrayList<>();
        for (Dataset d : pools.datasets(root)) {
            out.add(DatasetView.of(d, pools.providerOf(d.name()).kind()));
        }
        ctx.json(out);
    }

    /**
     * {@code {"name"}} creates a file system; with {@code "volumeSize"} (bytes) a volume on an image
     * file, with {@code "device"} (an absolute path) a volume on that block device. Volumes exist on
     * the embedded store's pools only.
     */
    private void createDataset(Context ctx) {
        Body body = Body.of(ctx);
        DatasetName name = body.dataset("name");
        DatasetProvider p = pools.providerOf(name);
        Optional<String> device = body.string("device");
        com.fasterxml.jackson.databind.JsonNode size = body.raw().path("volumeSize");
        boolean sized = !size.isMissingNode() && !size.isNull();
        if (device.isEmpty() && !sized) {
            ctx.status(201).json(DatasetView.of(p.createDataset(name), p.kind()));
            return;
        }
        if (device.isPresent() && sized) {
            throw ApiError.badRequest("volumeSize", "a volume on a block device has the device's size: give device or volumeSize, not both");
        }
        if (!(p.unwrapped() instanceof io.snapferry.store.EmbeddedStore store)) {
            throw ApiError.badRequest(device.isPresent() ? "device" : "volumeSize", "volumes are created on the embedded store's pools only; "
                    + name.pool() + " is a " + p.kind() + " pool (on ZFS, create a volume with 'zfs create -V')");
        }
        Dataset d;
        if (device.isPresent()) {
            d = store.createDeviceVolume(name, java.nio.file.Path.of(device.get()));
        } else {
            if (!size.canConvertToLong() || !size.isIntegralNumber()) {
                throw ApiError.badRequest("volumeSize", "volumeSize is a number of bytes (a positive multiple of 512), not " + size);
            }
            d = store.createVolume(name, size.asLong());
        }
        ctx.status(201).json(DatasetView.of(d, p.kind()));
    }

    /** One page of a snapshot list, when the caller asked for paging with {@code limit}. */
    public record SnapshotPage(List<SnapshotView> items, int total, int offset, int limit) {
    }

    public static final int MAX_PAGE = 1000;

    /**
     * {@code ?dataset=D}, optionally {@code sort=createTxg|name}, {@code order=asc|desc},
     * {@code filter=text} (case-insensitive, in the part after '@'), and {@code offset}/{@code limit}.
     * Without {@code limit} the answer is the whole (sorted, filtered) list as an array; with it, a
     * {@link SnapshotPage}.
     */
    private void listSnapshots(Context ctx) {
        Body q = Body.query(ctx);
        DatasetName d = q.dataset("dataset");
        String sort = q.string("sort").orElse("createTxg");
        Comparator<Snapshot> by = switch (sort) {
            case "createTxg" -> Comparator.comparingLong(Snapshot::createTxg);
            case "name" -> Comparator.comparing(Snapshot::shortName);
            default -> throw ApiError.badRequest("sort", "sort must be createTxg or name, not '" + sort + "'");
        };
        String order = q.string("order").orElse("asc");
        if (order.equals("desc")) {
            by = by.reversed();
        } else if (!order.equals("asc")) {
            throw ApiError.badRequest("order", "order must be asc or desc, not '" + order + "'");
        }
        String filter = q.string("filter").orElse("").toLowerCase(Locale.ROOT);
        List<SnapshotView> all = pools.snapshots(d).stream()
                .filter(s -> s.shortName().toLowerCase(Locale.ROOT).contains(filter))
                .sorted(by).map(SnapshotView::of).toList();
        Optional<String> limitText = q.string("limit");
        if (limitText.isEmpty()) {
            if (q.string("offset").isPresent()) {
                throw ApiError.badRequest("limit", "offset needs limit");
            }
            ctx.json(all);
            return;
        }
        int limit = integer("limit", limitText.get(), 1, MAX_PAGE);
        int offset = integer("offset", q.string("offset").orElse("0"), 0, Integer.MAX_VALUE);
        int from = Math.min(offset, all.size());
        int to = (int) Math.min((long) from + limit, all.size());
        ctx.json(new SnapshotPage(all.subList(from, to), all.size(), offset, limit));
    }

    private static int integer(String field, String text, int min, int max) {
        try {
            int v = Integer.parseInt(text);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through to the error
        }
        throw ApiError.badRequest(field, field + " must be a whole number from " + min + " to " + max + ", not '" + text + "'");
    }

    private void createSnapshot(Context ctx) {
        Body b = Body.of(ctx);
        DatasetName d = b.dataset("dataset");
        String name = b.requiredString("name");
        try {
            d.snapshot(name);
        } catch (DatasetException e) {
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
        String tag = b.requiredString("tag");
        try {
            pools.providerOf(s.dataset()).hold(s, tag);
        } catch (DatasetException e) {
            throw e.code() == ErrorCode.INVALID_ARGUMENT || e.code() == ErrorCode.ALREADY_EXISTS
                    ? new ApiError(e.code() == ErrorCode.ALREADY_EXISTS ? 409 : 400, e.code().name(), e.getMessage(), "tag") : e;
        }
        ctx.status(201).json(Map.of("held", s.toString()));
    }

    private void release(Context ctx) {
        Body q = Body.query(ctx);
        SnapshotName s = q.snapshot("name");
        String tag = q.requiredString("tag");
        try {
            pools.providerOf(s.dataset()).release(s, tag);
        } catch (DatasetException e) {
            throw e.code() == ErrorCode.INVALID_ARGUMENT ? ApiError.badRequest("tag", e.getMessage()) : e;
        }
        ctx.json(Map.of("released", s.toString()));
    }
}
