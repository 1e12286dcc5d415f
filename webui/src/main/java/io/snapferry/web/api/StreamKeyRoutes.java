package io.snapferry.web.api;

import io.javalin.http.Context;
import io.snapferry.daemon.app.Appliance;
import io.snapferry.daemon.config.StreamKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code /api/v1/stream-keys}: the named keys replication encrypts with. Key material never
 * travels in an answer: export and import go through files on this box (mode 0600).
 */
public final class StreamKeyRoutes {
    private final Appliance appliance;

    public StreamKeyRoutes(Appliance appliance) {
        this.appliance = appliance;
    }

    private StreamKeys keys() {
        return appliance.streamKeys();
    }

    public void register(Routes routes) {
        routes.get("/api/v1/stream-keys", ctx -> ctx.json(keys().list()));
        routes.post("/api/v1/stream-keys", ctx -> {
            Body b = Body.of(ctx);
            String name = b.requiredString("name");
            ctx.status(201).json(guard("name", () -> b.string("file").isPresent()
                    ? keys().importHex(name, read(b.string("file").get()))
                    : keys().create(name)));
        });
        routes.post("/api/v1/stream-keys/{name}/export", ctx -> {
            String file = absolute(Body.of(ctx).requiredString("file"));
            guard("name", () -> {
                keys().export(ctx.pathParam("name"), Path.of(file));
                return null;
            });
            ctx.json(Map.of("exported", ctx.pathParam("name"), "file", file));
        });
        routes.delete("/api/v1/stream-keys/{name}", ctx -> {
            if (!guard("name", () -> keys().delete(ctx.pathParam("name")))) {
                throw ApiError.notFound("no stream key named " + ctx.pathParam("name"));
            }
            ctx.json(Map.of("deleted", ctx.pathParam("name")));
        });
    }

    private interface Action<T> {
        T run();
    }

    private static <T> T guard(String field, Action<T> a) {
        try {
            return a.run();
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(field, e.getMessage());
        }
    }

    private static String absolute(String file) {
        if (!file.startsWith("/")) {
            throw ApiError.badRequest("file", "give an absolute path on this box");
        }
        return file;
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(absolute(file)));
        } catch (IOException e) {
            throw ApiError.badRequest("file", "cannot read " + file + ": " + e.getMessage());
        }
    }
}
