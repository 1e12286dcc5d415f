package io.snapferry.web.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.snapferry.daemon.app.Appliance;
import io.snapferry.daemon.config.Json;
import io.snapferry.daemon.replication.ReplicationTask;
import io.snapferry.daemon.replication.ReplicationTasks;
import io.snapferry.daemon.scheduler.ScheduledJob;
import io.snapferry.daemon.tasks.TaskRun;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.Snapshot;
import io.snapferry.replication.ReplicationHolds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** {@code /api/v1/replications}, {@code /api/v1/verification} and {@code /api/v1/holds}. */
public final class ReplicationRoutes {
    private final Appliance appliance;

    public ReplicationRoutes(Appliance appliance) {
        this.appliance = appliance;
    }

    private ReplicationTasks tasks() {
        return appliance.replications();
    }

    public void register(Routes routes) {
        routes.get("/api/v1/replications", ctx -> ctx.json(tasks().list().stream().map(this::view).toList()));
        routes.post("/api/v1/replications", ctx -> {
            ctx.status(201).json(view(tasks().create(read(ctx, Optional.empty()))));
            appliance.scheduler().wakeUp();
        });
        routes.get("/api/v1/replications/progress", ctx -> ctx.json(tasks().progress().all()));
        routes.get("/api/v1/replications/{name}", ctx -> ctx.json(view(tasks().require(ctx.pathParam("name")))));
        routes.put("/api/v1/replications/{name}", ctx -> {
            ReplicationTask old = tasks().require(ctx.pathParam("name"));
            ctx.json(view(tasks().update(read(ctx, Optional.of(old)))));
            appliance.scheduler().wakeUp(); // an edited task is a new job: the pass sees it now
        });
        routes.delete("/api/v1/replications/{name}", ctx -> {
            tasks().delete(ctx.pathParam("name"));
            ctx.json(Map.of("deleted", ctx.pathParam("name")));
        });
        routes.post("/api/v1/replications/{name}/enable", ctx -> {
            ctx.json(view(tasks().setEnabled(ctx.pathParam("name"), true)));
            appliance.scheduler().wakeUp();
        });
        routes.post("/api/v1/replications/{name}/disable", ctx -> ctx.json(view(tasks().setEnabled(ctx.pathParam("name"), false))));
        routes.post("/api/v1/replications/{name}/run", this::run);
        routes.get("/api/v1/replications/{name}/diff", ctx -> ctx.json(tasks().diff(ctx.pathParam("name"))));
        routes.post("/api/v1/replications/{name}/reinitialize", ctx ->
                ctx.json(Map.of("claimed", tasks().reinitialize(ctx.pathParam("name")))));
        routes.post("/api/v1/replications/{name}/reverse", ctx -> ctx.status(201).json(view(tasks().reverse(ctx.pathParam("name")))));
        routes.get("/api/v1/verification", ctx -> ctx.json(appliance.verification().recent(
                Body.query(ctx).string("limit").map(Integer::parseInt).orElse(100))));
        routes.get("/api/v1/holds", this::holds);
    }

    /**
     * A replication with its last run, its next scheduled run (only for an enabled task with its own
     * schedule; a task run after a snapshot task follows that task's next run) and live progress.
     */
    public record ReplicationView(ReplicationTask task, Optional<TaskRun> lastRun, Optional<Instant> nextRun, Optional<?> progress) {
    }

    private ReplicationView view(ReplicationTask t) {
        Optional<TaskRun> last = appliance.history().last(ReplicationTasks.KIND, t.name())
                .map(r -> new TaskRun(r.id(), r.kind(), r.subject(), r.state(), r.startedAt(), r.endedAt(), r.result(), List.of()));
        return new ReplicationView(t, last, nextRun(t), tasks().progress().of(t.name()));
    }

    private Optional<Instant> nextRun(ReplicationTask t) {
        if (!t.enabled() || t.schedule().isEmpty()) {
            return Optional.empty();
        }
        java.time.ZoneId zone = appliance.settings().get().zone();
        try {
            return tasks().compile(t).schedule()
                    .flatMap(s -> s.next(java.time.ZonedDateTime.now(appliance.clock()).withZoneSameInstant(zone)))
                    .map(java.time.ZonedDateTime::toInstant);
        } catch (RuntimeException e) {
            // A task that no longer compiles (its stream key was deleted, say) has no next run; its run reports why.
            return Optional.empty();
        }
    }

    private ReplicationTask read(Context ctx, Optional<ReplicationTask> old) {
        Body b = Body.of(ctx);
        ObjectNode base = old.map(o -> (ObjectNode) Json.mapper().valueToTree(o)).orElseGet(() -> {
            ObjectNode n = Json.mapper().createObjectNode();
            n.put("direction", "PUSH");
            n.put("transport", "LOCAL");
            n.put("recursive", false);
            n.putArray("exclude");
            n.putArray("snapshotTasks");
            n.putArray("naming");
            n.putArray("alsoInclude");
            n.put("afterSnapshotTask", false);
            n.putObject("retention").put("mode", "NONE");
            n.put("allowFromScratch", false);
            n.put("readonly", "IGNORE");
            n.putObject("properties").put("send", false).putArray("exclude");
            ((ObjectNode) n.get("properties")).putObject("override");
            n.put("compression", "NONE");
            n.put("retries", 5);
            n.put("enabled", true);
            return n;
        });
        ObjectNode merged = base.deepCopy();
        b.raw().fields().forEachRemaining(e -> merged.set(e.getKey(), e.getValue()));
        if (old.isPresent()) {
            merged.put("name", old.get().name());
        }
        for (String required : List.of("name", "target")) {
            if (!merged.hasNonNull(required) || merged.get(required).asText().isBlank()) {
                throw ApiError.badRequest(required, required + " is required");
            }
        }
        try {
            return Json.mapper().treeToValue(merged, ReplicationTask.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ApiError.badRequest(null, "the replication is not well formed: " + e.getOriginalMessage());
        }
    }

    private void run(Context ctx) throws Exception {
        ReplicationTask t = tasks().require(ctx.pathParam("name"));
        boolean wait = Body.query(ctx).bool("wait", false);
        Instant asked = appliance.clock().instant();
        Optional<CompletableFuture<Void>> f = appliance.scheduler().runNow(tasks().once(t.name()), ScheduledJob.Trigger.MANUAL);
        if (f.isEmpty()) {
            throw new ApiError(409, "BUSY", "replication " + t.name() + " is running already", null);
        }
        if (!wait) {
            ctx.status(202).json(Map.of("started", t.name(), "at", asked.toString()));
            return;
        }
        f.get().get();
        ctx.json(appliance.history().last(ReplicationTasks.KIND, t.name()).orElseThrow());
    }

    /** Holds on the snapshots of a dataset, marked when a replication placed them. */
    private void holds(Context ctx) {
        DatasetName d = Body.query(ctx).dataset("dataset");
        var provider = appliance.pools().providerOf(d);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Snapshot s : provider.listSnapshots(d)) {
            if (s.holds() == 0) {
                continue;
            }
            for (String tag : provider.holds(s.name())) {
                Map<String, Object> h = new LinkedHashMap<>();
                h.put("snapshot", s.name().toString());
                h.put("tag", tag);
                h.put("replication", ReplicationHolds.taskOf(tag).orElse(null));
                out.add(h);
            }
        }
        ctx.json(out);
    }
}
