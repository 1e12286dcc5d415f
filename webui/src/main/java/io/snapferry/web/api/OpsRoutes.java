package io.snapferry.web.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.snapferry.daemon.app.Appliance;
import io.snapferry.daemon.config.InvalidSettingException;
import io.snapferry.daemon.config.Json;
import io.snapferry.daemon.config.Settings;
import io.snapferry.daemon.export.ConfigTransfer;
import io.snapferry.daemon.export.InvalidConfigException;
import io.snapferry.daemon.metrics.MetricRegistry;
import io.snapferry.daemon.notify.InvalidTargetException;
import io.snapferry.daemon.notify.NotificationTarget;
import io.snapferry.daemon.notify.NotificationTargets;
import io.snapferry.web.auth.Principal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Operations: {@code GET /metrics}, {@code /api/v1/settings}, {@code /api/v1/settings/notifications},
 * {@code /api/v1/config} (export and import).
 */
public final class OpsRoutes {
    private final Appliance appliance;

    public OpsRoutes(Appliance appliance) {
        this.appliance = appliance;
    }

    public void register(Javalin app, Routes routes) {
        app.exception(InvalidSettingException.class, (e, ctx) -> fieldError(ctx, e.getMessage(), e.field(), Map.of()));
        app.exception(InvalidTargetException.class, (e, ctx) -> fieldError(ctx, e.getMessage(), e.field(), Map.of()));
        app.exception(InvalidConfigException.class, (e, ctx) -> {
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("section", e.section());
            extra.put("item", e.item());
            fieldError(ctx, e.getMessage(), e.field(), extra);
        });
        routes.get("/metrics", this::metrics);
        routes.get("/api/v1/settings", ctx -> ctx.json(appliance.settings().get()));
        routes.put("/api/v1/settings", this::putSettings);
        routes.get("/api/v1/settings/notifications", ctx -> ctx.json(targetsView()));
        routes.put("/api/v1/settings/notifications", this::putTargets);
        routes.post("/api/v1/settings/notifications/test", this::test);
        routes.get("/api/v1/config", ctx -> ctx.json(appliance.configTransfer().export()));
        routes.post("/api/v1/config", this::importConfig);
    }

    private static void fieldError(Context ctx, String message, String field, Map<String, Object> extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("code", "INVALID_ARGUMENT");
        if (field != null) {
            body.put("field", field);
        }
        body.putAll(extra);
        ctx.status(400).json(body);
    }

    /**
     * The access policy lets callers on the box scrape without credentials; with
     * {@code metricsPublic: authenticated} they must authenticate like everyone else.
     */
    private void metrics(Context ctx) {
        if (Settings.METRICS_AUTHENTICATED.equals(appliance.settings().get().metricsPublic()) && Principal.of(ctx).isEmpty()) {
            throw new ApiError(401, "UNAUTHENTICATED", "authentication required: metrics need an API token (metricsPublic is 'authenticated')", null);
        }
        ctx.contentType(MetricRegistry.CONTENT_TYPE).result(appliance.metrics().render());
    }

    private static <T> T read(JsonNode node, Class<T> type) {
        try {
            return Json.mapper().treeToValue(node, type);
        } catch (JsonMappingException e) {
            String field = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining("."));
            if (e.getCause() instanceof InvalidSettingException s) {
                throw s;
            }
            if (e.getCause() instanceof InvalidTargetException t) {
                throw t;
            }
            String msg = e.getCause() instanceof IllegalArgumentException iae ? iae.getMessage() : e.getOriginalMessage();
            throw ApiError.badRequest(field.isEmpty() ? null : field, (field.isEmpty() ? "" : field + ": ") + msg);
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest(null, e.getOriginalMessage());
        }
    }

    /** Changes the fields given; the others keep their values. */
    private void putSettings(Context ctx) {
        Body b = Body.of(ctx);
        ObjectNode merged = Json.mapper().valueToTree(appliance.settings().get());
        b.raw().fields().forEachRemaining(e -> merged.set(e.getKey(), e.getValue()));
        Settings s = read(merged, Settings.class);
        boolean zoneChanged = !s.timeZone().equals(appliance.settings().get().timeZone());
        appliance.settings().put(s);
        if (zoneChanged) {
            rescheduleSnapshotTasks();
        }
        ctx.json(s);
    }

    private Map<String, Object> targetsView() {
        List<NotificationTarget> shown = appliance.notificationTargets().list().stream().map(NotificationTarget::withoutSecrets).toList();
        return Map.of("targets", shown);
    }

    /** Replaces the whole list; a target given without its password keeps the one it has. */
    private void putTargets(Context ctx) {
        Body b = Body.of(ctx);
        JsonNode list = b.raw().get("targets");
        if (list == null || !list.isArray()) {
            throw ApiError.badRequest("targets", "targets must be a list");
        }
        NotificationTargets store = appliance.notificationTargets();
        List<NotificationTarget> next = new ArrayList<>();
        for (JsonNode n : list) {
            NotificationTarget t = read(n, NotificationTarget.class);
            next.add(t.keepingSecretsOf(store.get(t.id())));
        }
        store.replace(next);
        ctx.json(targetsView());
    }

    private void test(Context ctx) {
        Body b = Body.of(ctx);
        var results = appliance.notifier().sendTest(b.string("target"));
        if (results.isEmpty()) {
            throw new ApiError(409, "NO_TARGET", "no enabled notification target receives TEST events; add one first", null);
        }
        ctx.json(Map.of("results", results));
    }

    /** Schedules are read in the box's time zone: after it changes, every fire time is computed again. */
    private void rescheduleSnapshotTasks() {
        appliance.snapshotTasks().jobs().forEach(j -> appliance.scheduler().reschedule(j.id()));
    }

    private void importConfig(Context ctx) {
        boolean dryRun = Body.query(ctx).bool("dryRun", false);
        ConfigTransfer.Result r = appliance.configTransfer().importDocument(Body.of(ctx).raw(), dryRun);
        if (!dryRun) {
            rescheduleSnapshotTasks();
        }
        ctx.json(r);
    }
}
