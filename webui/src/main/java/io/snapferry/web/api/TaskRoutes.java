package io.snapferry.web.api;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.snapferry.daemon.app.Appliance;
import io.snapferry.daemon.scheduler.ScheduledJob;
import io.snapferry.daemon.snapshots.CompiledTask;
import io.snapferry.daemon.snapshots.InvalidTaskException;
import io.snapferry.daemon.snapshots.SnapshotTask;
import io.snapferry.daemon.snapshots.SnapshotTasks;
import io.snapferry.daemon.tasks.TaskRun;
import io.snapferry.dataset.DatasetName;
import io.snapferry.naming.NamingSchema;
import io.snapferry.retention.Decision;
import io.snapferry.retention.RetentionPlan;
import io.snapferry.retention.RetentionPolicy;
import io.snapferry.daemon.config.Json;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** {@code /api/v1/snapshot-tasks}, {@code /api/v1/tasks} and {@code /api/v1/retention/plan}. */
public final class TaskRoutes {
    private final Appliance appliance;

    public TaskRoutes(Appliance appliance) {
        this.appliance = appliance;
    }

    private SnapshotTasks tasks() {
        return appliance.snapshotTasks();
    }

    public void register(Javalin app, Routes routes) {
        app.exception(InvalidTaskException.class, (e, ctx) -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", e.getMessage());
            body.put("code", "INVALID_ARGUMENT");
            body.put("field", e.field());
            ctx.status(400).json(body);
        });
        routes.get("/api/v1/snapshot-tasks", ctx -> ctx.json(tasks().list().stream().map(this::view).toList()));
        routes.post("/api/v1/snapshot-tasks", ctx -> {
            ctx.status(201).json(view(tasks().create(read(ctx, Optional.empty()))));
            appliance.scheduler().wakeUp();
        });
        routes.post("/api/v1/snapshot-tasks/preview", this::preview);
        routes.get("/api/v1/snapshot-tasks/{id}", ctx -> ctx.json(view(tasks().require(ctx.pathParam("id")))));
        routes.put("/api/v1/snapshot-tasks/{id}", ctx -> {
            SnapshotTask old = tasks().require(ctx.pathParam("id"));
            ctx.json(view(tasks().update(read(ctx, Optional.of(old)))));
            appliance.scheduler().wakeUp(); // an edited task is a new job: the pass sees it now
        });
        routes.delete("/api/v1/snapshot-tasks/{id}", ctx -> {
            tasks().delete(ctx.pathParam("id"));
            ctx.json(Map.of("deleted", ctx.pathParam("id")));
        });
        routes.post("/api/v1/snapshot-tasks/{id}/enable", ctx -> {
            ctx.json(view(tasks().setEnabled(ctx.pathParam("id"), true)));
            appliance.scheduler().wakeUp();
        });
        routes.post("/api/v1/snapshot-tasks/{id}/disable", ctx -> ctx.json(view(tasks().setEnabled(ctx.pathParam("id"), false))));
        routes.post("/api/v1/snapshot-tasks/{id}/run", this::run);
        routes.get("/api/v1/tasks", this::listRuns);
        routes.get("/api/v1/tasks/{id}", ctx -> ctx.json(appliance.history().get(ctx.pathParam("id"))
                .orElseThrow(() -> ApiError.notFound("task " + ctx.pathParam("id") + " does not exist"))));
        routes.post("/api/v1/retention/plan", this::retentionPlan);
    }

    /** A task with its schedule's next run and its last run. */
    public record TaskView(SnapshotTask task, String scheduleDescription, Optional<Instant> nextRun, Optional<TaskRun> lastRun) {
    }

    private TaskView view(SnapshotTask t) {
        CompiledTask c = CompiledTask.compile(t, appliance.settings().get().zone());
        Optional<Instant> next = t.enabled()
                ? c.schedule().next(ZonedDateTime.now(appliance.clock()).withZoneSameInstant(appliance.settings().get().zone()))
                        .map(ZonedDateTime::toInstant)
                : Optional.empty();
        Optional<TaskRun> last = appliance.history().last(SnapshotTasks.KIND, t.id())
                .map(r -> new TaskRun(r.id(), r.kind(), r.subject(), r.state(), r.startedAt(), r.endedAt(), r.result(), List.of()));
        return new TaskView(t, c.schedule().describe(), next, last);
    }

    /** Reads a task from the body; on update, fields not given keep their old values. */
    private SnapshotTask read(Context ctx, Optional<SnapshotTask> old) {
        Body b = Body.of(ctx);
        var base = old.map(o -> Json.mapper().valueToTree(o)).orElseGet(() -> {
            var n = Json.mapper().createObjectNode();
            n.put("id", "");
            n.put("recursive", false);
            n.putArray("exclude");
            n.put("naming", "auto-%Y-%m-%d_%H-%M");
            n.put("allowEmpty", true);
            n.put("enabled", true);
            n.putObject("retention");
            return n;
        });
        var merged = ((com.fasterxml.jackson.databind.node.ObjectNode) base).deepCopy();
        b.raw().fields().forEachRemaining(e -> merged.set(e.getKey(), e.getValue()));
        if (old.isPresent()) {
            merged.put("id", old.get().id());
        }
        for (String required : List.of("dataset", "schedule")) {
            if (!merged.hasNonNull(required) || merged.get(required).asText().isBlank()) {
                throw ApiError.badRequest(required, required + " is required");
            }
        }
        try {
            return Json.mapper().treeToValue(merged, SnapshotTask.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ApiError.badRequest(null, "the task is not well formed: " + e.getOriginalMessage());
        }
    }

    private void preview(Context ctx) {
        Body b = Body.of(ctx);
        Map<String, Object> out = new LinkedHashMap<>();
        var zone = appliance.settings().get().zone();
        ZonedDateTime now = ZonedDateTime.now(appliance.clock()).withZoneSameInstant(zone);
        if (b.string("naming").isPresent()) {
            try {
                out.put("exampleName", NamingSchema.parse(b.string("naming").get()).format(now));
            } catch (io.snapferry.naming.InvalidSchemaException e) {
                throw ApiError.badRequest("naming", e.getMessage());
            }
        }
        if (b.string("schedule").isPresent()) {
            SnapshotTask probe = new SnapshotTask("preview", "preview", false, List.of(), "auto-%Y-%m-%d_%H-%M",
                    b.string("schedule").get(), b.string("begin"), b.string("end"), SnapshotTask.Retention.none(), true, true,
                    Optional.empty(), Optional.empty());
            CompiledTask c = CompiledTask.compile(probe, zone);
            out.put("description", c.schedule().describe());
            out.put("nextRuns", c.schedule().nextRuns(now, 5).stream().map(ZonedDateTime::toOffsetDateTime).map(Object::toString).toList());
        }
        ctx.json(out);
    }

    private void run(Context ctx) throws Exception {
        SnapshotTask t = tasks().require(ctx.pathParam("id"));
        boolean wait = Body.query(ctx).bool("wait", false);
        Optional<CompletableFuture<Void>> f = appliance.scheduler().runNow(tasks().job(t), ScheduledJob.Trigger.MANUAL);
        if (f.isEmpty()) {
            throw new ApiError(409, "BUSY", "snapshot task " + t.id() + " is running already", null);
        }
        if (!wait) {
            ctx.status(202).json(Map.of("started", t.id()));
            return;
        }
        f.get().get();
        ctx.json(appliance.history().last(SnapshotTasks.KIND, t.id()).orElseThrow());
    }

    private void listRuns(Context ctx) {
        Body q = Body.query(ctx);
        Optional<String> kind = q.string("kind");
        Optional<String> subject = q.string("subject");
        int limit = q.string("limit").map(Integer::parseInt).orElse(200);
        ctx.json(appliance.history().list(r -> kind.map(k -> k.equals(r.kind())).orElse(true)
                && subject.map(s -> s.equals(r.subject())).orElse(true), limit));
    }

    /** A dry run of retention: what the rules would keep and destroy now, and why. Destroys nothing. */
    private void retentionPlan(Context ctx) {
        Body b = Body.of(ctx);
        DatasetName d = b.dataset("dataset");
        NamingSchema schema;
        try {
            schema = NamingSchema.parse(b.requiredString("naming"));
        } catch (io.snapferry.naming.InvalidSchemaException e) {
            throw ApiError.badRequest("naming", e.getMessage());
        }
        var zone = appliance.settings().get().zone();
        Optional<RetentionPolicy> policy = CompiledTask.retention(new SnapshotTask.Retention(b.string("lifetime"), b.string("keep"),
                b.string("grid")), zone);
        if (policy.isEmpty()) {
            throw ApiError.badRequest("lifetime", "give at least one rule: lifetime, keep or grid");
        }
        Instant now;
        try {
            now = b.string("now").map(Instant::parse).orElse(appliance.clock().instant());
        } catch (DateTimeParseException e) {
            throw ApiError.badRequest("now", "now must be an ISO-8601 instant such as 2026-11-22T10:00:00Z");
        }
        RetentionPlan plan = tasks().plan(appliance.pools().providerOf(d), d, List.of(schema), policy.get(), now);
        List<Map<String, String>> out = new ArrayList<>();
        for (Decision dec : plan.decisions()) {
            out.add(Map.of("name", dec.snapshot().name().toString(), "action", dec.action().name().toLowerCase(), "reason", dec.reason()));
        }
        ctx.json(out);
    }
}
