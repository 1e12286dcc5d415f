package io.snapferry.web.api;

import io.javalin.http.Context;
import io.snapferry.daemon.app.Appliance;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.store.EmbeddedStore;
import java.nio.file.Path;
import java.util.Map;

/**
 * What only the embedded store can do: browse a snapshot's tree, restore a file or directory from
 * it, verify a pool's chunks and collect its garbage.
 */
public final class StoreRoutes {
    private final Appliance appliance;

    public StoreRoutes(Appliance appliance) {
        this.appliance = appliance;
    }

    public void register(Routes routes) {
        routes.get("/api/v1/snapshots/browse", this::browse);
        routes.post("/api/v1/snapshots/restore", this::restore);
        routes.post("/api/v1/pools/{pool}/verify", ctx -> {
            store(pool(ctx));
            ctx.json(appliance.verifier().verify(pool(ctx)));
        });
        routes.delete("/api/v1/pools/{pool}/quarantine", ctx -> {
            if (!appliance.quarantine().clear(pool(ctx))) {
                throw ApiError.notFound("pool " + pool(ctx) + " is not quarantined");
            }
            ctx.json(Map.of("cleared", pool(ctx)));
        });
        routes.post("/api/v1/pools/{pool}/gc", ctx -> ctx.json(store(pool(ctx)).collectGarbage(pool(ctx))));
    }

    private static String pool(Context ctx) {
        String p = ctx.pathParam("pool");
        if (DatasetName.problem(p) != null || p.contains("/")) {
            throw ApiError.badRequest("pool", "'" + p + "' is not a pool name");
        }
        return p;
    }

    private EmbeddedStore store(DatasetName d) {
        DatasetProvider p = appliance.pools().providerOf(d);
        if (p.unwrapped() instanceof EmbeddedStore s) {
            return s;
        }
        throw new ApiError(501, "UNSUPPORTED", d.pool() + " is a " + p.kind() + " pool: browsing, restoring single files, "
                + "verifying and collecting garbage work on embedded-store pools (for ZFS, mount the snapshot's .zfs/snapshot directory)", null);
    }

    private EmbeddedStore store(String pool) {
        return store(DatasetName.of(pool));
    }

    private void browse(Context ctx) {
        Body q = Body.query(ctx);
        SnapshotName s = q.snapshot("name");
        ctx.json(store(s.dataset()).browse(s, q.string("path").orElse("/")));
    }

    private void restore(Context ctx) {
        Body b = Body.of(ctx);
        SnapshotName s = b.snapshot("name");
        String path = b.requiredString("path");
        String to = b.requiredString("destination");
        if (!to.startsWith("/")) {
            throw ApiError.badRequest("destination", "the destination must be an absolute path on this box");
        }
        store(s.dataset()).restore(s, path, Path.of(to));
        ctx.json(Map.of("restored", s + ":" + path, "to", to));
    }
}
