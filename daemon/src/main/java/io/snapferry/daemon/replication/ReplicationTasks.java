package io.snapferry.daemon.replication;

import io.snapferry.daemon.config.ConfigStore;
import io.snapferry.daemon.scheduler.ScheduledJob;
import io.snapferry.daemon.snapshots.InvalidTaskException;
import io.snapferry.daemon.snapshots.RetentionGuard;
import io.snapferry.daemon.snapshots.SnapshotTasks;
import io.snapferry.daemon.tasks.TaskHistory;
import io.snapferry.daemon.tasks.TaskRun;
import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.naming.NamingSchema;
import io.snapferry.replication.DatasetResult;
import io.snapferry.replication.Endpoint;
import io.snapferry.replication.Ownership;
import io.snapferry.replication.ReplicationHolds;
import io.snapferry.replication.ReplicationResult;
import io.snapferry.replication.Replicator;
import io.snapferry.replication.Sleeper;
import io.snapferry.replication.StepContext;
import io.snapferry.replication.StreamTransform;
import io.snapferry.retention.Decision;
import io.snapferry.retention.RetentionCandidate;
import io.snapferry.retention.RetentionEngine;
import io.snapferry.retention.RetentionPlan;
import io.snapferry.stream.RateLimiter;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The replication tasks of this box: create, edit, delete, enable, disable, run, diff,
 * reinitialize; the scheduler's jobs for them; and the guard that keeps retention from pruning
 * what a replication still needs.
 *
 * <p>A run picks the endpoints by transport and direction (this box's own datasets, or a remote
 * box's through {@link RemoteEndpoints}), runs the {@link Replicator}, then applies the target's
 * retention, recording everything in the task history.
 */
public final class ReplicationTasks {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicationTasks.class);
    public static final String KIND = "replication";

    private final ConfigStore<ReplicationTask> store;
    private final SnapshotTasks snapshotTasks;
    private final TaskHistory history;
    private final Clock clock;
    private final Supplier<ZoneId> zone;
    /** This box's datasets as an endpoint whose outgoing streams are framed as the task says (compression, key). */
    private final java.util.function.Function<ReplicationTask, Endpoint> local;
    private final java.util.function.Function<String, Optional<io.snapferry.stream.StreamKey>> streamKeys;
    private final RemoteEndpoints remotes;
    private final Replicator.Settings settings;
    private final Sleeper sleeper;
    private final Progress progress;
    private volatile Consumer<Finished> onFinished = r -> { };

    /** A finished run, for metrics: bytes moved, how long it took, and the creation time of the newest snapshot now on the target. */
    public record Finished(String task, long bytes, java.time.Duration duration, Optional<Instant> newestSnapshot, boolean ok) {
    }

    public ReplicationTasks(ConfigStore<ReplicationTask> store, SnapshotTasks snapshotTasks, TaskHistory history, Clock clock,
                            Supplier<ZoneId> zone, java.util.function.Function<ReplicationTask, Endpoint> local,
                            java.util.function.Function<String, Optional<io.snapferry.stream.StreamKey>> streamKeys,
                            RemoteEndpoints remotes, Replicator.Settings settings, Sleeper sleeper) {
        this.store = store;
        this.snapshotTasks = snapshotTasks;
        this.history = history;
        this.clock = clock;
        this.zone = zone;
        this.local = local;
        this.streamKeys = streamKeys;
        this.remotes = remotes;
        this.settings = settings;
        this.sleeper = sleeper;
        this.progress = new Progress(clock);
    }

    public Progress progress() {
        return progress;
    }

    /** Told about every finished run (metrics, notifications). */
    public void onFinished(Consumer<Finished> listener) {
        this.onFinished = listener;
    }

    public List<ReplicationTask> list() {
        return store.list();
    }

    public ReplicationTask require(String name) {
        return store.get(name).orElseThrow(() -> new DatasetException(ErrorCode.NOT_FOUND,
                "replication " + name + " does not exist ('snapferry replication list' shows them)"));
    }

    public CompiledReplication compile(ReplicationTask t) {
        return CompiledReplication.compile(t, zone.get(), snapshotTasks::get, streamKeys);
    }

    public synchronized ReplicationTask create(ReplicationTask t) {
        if (store.get(t.name()).isPresent()) {
            throw new InvalidTaskException("name", "a replication named " + t.name() + " exists already");
        }
        validate(t);
        store.put(t);
        return t;
    }

    public synchronized ReplicationTask update(ReplicationTask t) {
        require(t.name());
        validate(t);
        store.put(t);
        return t;
    }

    public synchronized void delete(String name) {
        require(name);
        store.delete(name);
    }

    public synchronized ReplicationTask setEnabled(String name, boolean on) {
        ReplicationTask t = require(name).withEnabled(on);
        store.put(t);
        return t;
    }

    private void validate(ReplicationTask t) {
        CompiledReplication c = compile(t);
        for (ReplicationTask other : store.list()) {
            if (other.name().equals(t.name())) {
                continue;
            }
            if (other.transport() == t.transport() && other.connection().equals(t.connection())
                    && other.direction() == t.direction()) {
                DatasetName a = c.spec().target();
                DatasetName b = DatasetName.of(other.target());
                if (a.contains(b) || b.contains(a)) {
                    throw new InvalidTaskException("target", "target " + a + " overlaps the target " + b + " of replication "
                            + other.name() + "; a target is owned by one source");
                }
            }
        }
    }

    /** The scheduler's view: tasks with their own schedule. */
    public List<ScheduledJob> jobs() {
        List<ScheduledJob> out = new ArrayList<>();
        for (ReplicationTask t : store.list()) {
            if (t.enabled() && t.schedule().isPresent()) {
                out.add(job(t, compile(t).schedule()));
            }
        }
        return out;
    }

    /** A job that runs {@code name} once, for "run now" and for runs after a snapshot task. */
    public ScheduledJob once(String name) {
        return job(require(name), Optional.empty());
    }

    /**
     * The task as a scheduler job: it fires by {@code schedule} when given, only when asked
     * otherwise. The id changes with the task's definition, so an edit reschedules it.
     */
    private ScheduledJob job(ReplicationTask t, Optional<io.snapferry.schedule.Schedule> schedule) {
        return new ScheduledJob() {
            @Override
            public String id() {
                return "replication:" + t.name() + ":" + t.hashCode();
            }

            @Override
            public Optional<Instant> nextFireAfter(Instant after) {
                return schedule.flatMap(s -> s.next(after.atZone(zone.get()))).map(z -> z.toInstant());
            }

            @Override
            public Optional<Instant> lastStart() {
                return schedule.isPresent() ? history.last(KIND, t.name()).map(TaskRun::startedAt) : Optional.empty();
            }

            @Override
            public void run(Trigger trigger) {
                ReplicationTasks.this.run(t.name(), trigger);
            }
        };
    }

    /** Replications linked to {@code snapshotTaskId} that run right after it. */
    public List<String> followers(String snapshotTaskId) {
        List<String> out = new ArrayList<>();
        for (ReplicationTask t : store.list()) {
            if (t.enabled() && t.afterSnapshotTask() && t.snapshotTasks().contains(snapshotTaskId)) {
                out.add(t.name());
            }
        }
        return out;
    }

    /** The two ends of a run, opened; closing releases a remote connection. */
    private record Ends(Endpoint source, Endpoint target, RemoteEndpoints.Remote remote) implements AutoCloseable {
        /** Tells a remote end that the run failed. */
        void failed() {
            if (remote != null) {
                remote.failed();
            }
        }

        @Override
        public void close() throws Exception {
            if (remote != null) {
                remote.close();
            }
        }
    }

    private Ends open(ReplicationTask t) throws IOException {
        Endpoint here = local.apply(t);
        if (t.transport() == ReplicationTask.Transport.LOCAL) {
            return new Ends(here, here, null);
        }
        RemoteEndpoints.Remote remote = remotes.open(t);
        return t.direction() == ReplicationTask.Direction.PUSH
                ? new Ends(here, remote.endpoint(), remote)
                : new Ends(remote.endpoint(), here, remote);
    }

    /** Runs the task now; returns its run id in the history. */
    public String run(String name, ScheduledJob.Trigger trigger) {
        ReplicationTask t = require(name);
        String runId = history.start(KIND, name);
        MDC.put("task", runId);
        Instant started = clock.instant();
        try {
            CompiledReplication c = compile(t);
            if (c.window().isPresent() && trigger != ScheduledJob.Trigger.MANUAL && !c.window().get().allows(started, zone.get())) {
                String when = c.window().get().nextOpening(started, zone.get()).map(Object::toString).orElse("never");
                history.end(runId, TaskRun.State.SKIPPED, "skipped: outside the sync window " + c.window().get().text()
                        + "; it opens next at " + when);
                return runId;
            }
            history.log(runId, "INFO", "replication " + name + ": " + t.direction().name().toLowerCase() + " over "
                    + t.transport().name().toLowerCase().replace('_', '-') + " from " + t.sources() + " to " + t.target());
            ReplicationResult result;
            try (Ends ends = open(t)) {
                boolean succeeded = false;
                try {
                    Replicator replicator = new Replicator(settings, sleeper, transform(c));
                    result = replicator.run(c.spec(), ends.source(), ends.target(), (ds, snap, bytes, total) ->
                            progress.update(name, runId, ds.value(), snap.name(), bytes, total, started), clock);
                    for (DatasetResult d : result.datasets()) {
                        history.log(runId, d.ok() ? "INFO" : "ERROR", describe(d));
                    }
                    if (result.ok() && c.retention().isPresent()) {
                        pruneTarget(runId, c, ends.target(), result);
                    }
                    onFinished.accept(new Finished(name, result.datasets().stream().mapToLong(DatasetResult::bytes).sum(),
                            java.time.Duration.between(started, clock.instant()), newest(result), result.ok()));
                    succeeded = result.ok();
                } finally {
                    if (!succeeded) {
                        ends.failed();
                    }
                }
            } finally {
                progress.finished(name);
            }
            long sent = result.datasets().stream().mapToLong(d -> d.received().size()).sum();
            long bytes = result.datasets().stream().mapToLong(DatasetResult::bytes).sum();
            if (result.ok()) {
                history.end(runId, TaskRun.State.SUCCEEDED, sent == 0 ? "up to date"
                        : "replicated " + sent + " snapshot" + (sent == 1 ? "" : "s") + " (" + bytes + " bytes), verified");
            } else {
                String why = result.datasets().stream().filter(d -> !d.ok()).map(d -> d.source() + ": "
                        + d.failure().map(f -> f.message()).orElse("failed")).findFirst().orElse("failed");
                history.end(runId, TaskRun.State.FAILED, why);
            }
        } catch (Exception e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            history.log(runId, "ERROR", why);
            history.end(runId, TaskRun.State.FAILED, why);
            LOG.warn("replication {} failed: {}", name, why);
        } finally {
            MDC.remove("task");
        }
        return runId;
    }

    /**
     * The newest creation time among the snapshots the targets hold after the run (for the lag
     * metric), from what the run saw: no further question to the target.
     */
    private static Optional<Instant> newest(ReplicationResult result) {
        return result.datasets().stream().flatMap(d -> d.newestOnTarget().stream()).max(Instant::compareTo);
    }

    private StreamTransform transform(CompiledReplication c) {
        if (c.bytesPerSecond().isEmpty()) {
            return StreamTransform.IDENTITY;
        }
        RateLimiter limiter = RateLimiter.of(c.bytesPerSecond().get(), io.snapferry.stream.TimeSource.system());
        return new StreamTransform() {
            @Override
            public InputStream wrapSend(InputStream send, StepContext context) {
                return new io.snapferry.stream.RateLimitedInputStream(send, limiter);
            }

            @Override
            public InputStream wrapReceive(InputStream wire, StepContext context) {
                return wire;
            }
        };
    }

    private static String describe(DatasetResult d) {
        StringBuilder b = new StringBuilder(d.source() + " -> " + d.target() + ": ");
        d.plan().ifPresent(p -> b.append(p.describe()).append("; "));
        if (!d.received().isEmpty()) {
            b.append("received ").append(d.received().size()).append(" snapshot(s) up to ")
                    .append(d.received().get(d.received().size() - 1).name()).append(", ").append(d.bytes()).append(" bytes; ");
        }
        d.failure().ifPresent(f -> b.append("FAILED: ").append(f.message()));
        return b.toString().replaceAll("; $", "");
    }

    /** Destination retention: prunes only the target, never its cursor or anything held. */
    private void pruneTarget(String runId, CompiledReplication c, Endpoint target, ReplicationResult result) {
        for (DatasetResult d : result.datasets()) {
            List<Snapshot> snaps;
            try {
                snaps = target.listSnapshots(d.target());
            } catch (DatasetException e) {
                continue;
            }
            List<RetentionCandidate> candidates = new ArrayList<>();
            for (Snapshot s : snaps) {
                RetentionCandidate cand = null;
                for (NamingSchema schema : c.schemas()) {
                    Optional<Instant> at = schema.parse(s.shortName(), zone.get());
                    if (at.isPresent()) {
                        cand = RetentionCandidate.matched(s, schema.text(), at.get(), List.of());
                        break;
                    }
                }
                candidates.add(cand != null ? cand : RetentionCandidate.foreign(s, List.of()));
            }
            RetentionPlan plan = RetentionEngine.plan(candidates, c.retention().get(), clock.instant());
            List<SnapshotName> doomed = plan.toDestroy().stream().map(RetentionCandidate::name).toList();
            if (doomed.isEmpty()) {
                continue;
            }
            for (Decision dec : plan.decisions()) {
                if (dec.destroy()) {
                    history.log(runId, "INFO", "target retention destroys " + dec.snapshot().name() + ": " + dec.reason());
                }
            }
            DestroyResult r = target.destroySnapshots(doomed);
            r.skipped().forEach((n, why) -> history.log(runId, "WARN", "target retention skipped " + n + ": " + why));
        }
    }

    /** Snapshots on one side only, and the newest common one, per dataset. */
    public record DatasetDiff(String source, String target, Optional<String> common, List<String> sourceOnly,
                              List<String> targetOnly) {
    }

    public List<DatasetDiff> diff(String name) throws Exception {
        ReplicationTask t = require(name);
        CompiledReplication c = compile(t);
        List<DatasetDiff> out = new ArrayList<>();
        try (Ends ends = open(t)) {
            for (DatasetName root : c.spec().sources()) {
                List<Dataset> datasets = c.spec().recursive() ? ends.source().listDatasets(root)
                        : List.of(ends.source().listDatasets(root).get(0));
                for (Dataset ds : datasets) {
                    if (c.spec().excluded(ds.name())) {
                        continue;
                    }
                    DatasetName targetName = c.spec().targetFor(root, ds.name());
                    List<Snapshot> src = ends.source().listSnapshots(ds.name());
                    List<Snapshot> dst;
                    try {
                        dst = ends.target().listSnapshots(targetName);
                    } catch (DatasetException e) {
                        if (e.code() != ErrorCode.NOT_FOUND) {
                            throw e;
                        }
                        dst = List.of();
                    }
                    Map<Long, String> dstByGuid = new HashMap<>();
                    dst.forEach(s -> dstByGuid.put(s.guid(), s.shortName()));
                    Map<Long, String> srcByGuid = new LinkedHashMap<>();
                    src.forEach(s -> srcByGuid.put(s.guid(), s.shortName()));
                    Optional<String> common = Optional.empty();
                    for (Snapshot s : src) {
                        if (dstByGuid.containsKey(s.guid())) {
                            common = Optional.of(s.shortName());
                        }
                    }
                    out.add(new DatasetDiff(ds.name().value(), targetName.value(), common,
                            src.stream().filter(s -> !dstByGuid.containsKey(s.guid())).map(Snapshot::shortName).toList(),
                            dst.stream().filter(s -> !srcByGuid.containsKey(s.guid())).map(Snapshot::shortName).toList()));
                }
            }
        }
        return out;
    }

    /**
     * Disaster recovery: saves (or replaces) the task "NAME-reverse" that brings the target's
     * snapshots back into the source, allowed to replace what is left there. Run it by hand; then
     * the original task resumes with incrementals from the restored snapshots.
     */
    public synchronized ReplicationTask reverse(String name) {
        ReplicationTask t = require(name);
        CompiledReplication c = compile(t);
        ReplicationTask r;
        try {
            r = t.reversed(c.schemas().stream().map(NamingSchema::text).distinct().toList());
        } catch (IllegalArgumentException e) {
            throw new InvalidTaskException("sources", e.getMessage());
        }
        compile(r);
        store.put(r);
        return r;
    }

    /** Takes over the task's targets: records this source as their owner, so the next run is accepted. */
    public List<String> reinitialize(String name) throws Exception {
        ReplicationTask t = require(name);
        CompiledReplication c = compile(t);
        List<String> claimed = new ArrayList<>();
        try (Ends ends = open(t)) {
            for (DatasetName root : c.spec().sources()) {
                DatasetName target = c.spec().targetRoot(root);
                Optional<Ownership> before = ends.target().ownership(target);
                ends.target().claim(target, new Ownership(ends.source().identity(), t.name()));
                claimed.add(target + before.map(o -> " (was owned by " + o + ")").orElse(""));
            }
        }
        return claimed;
    }

    /**
     * Source snapshots a push or local replication still needs: its cursor and step holds keep its
     * bases, and every eligible snapshot newer than the cursor is "not yet replicated".
     */
    public RetentionGuard guard() {
        return dataset -> {
            Map<SnapshotName, List<String>> out = new HashMap<>();
            for (ReplicationTask t : store.list()) {
                if (!t.enabled() || t.direction() != ReplicationTask.Direction.PUSH && t.transport() != ReplicationTask.Transport.LOCAL) {
                    continue;
                }
                CompiledReplication c;
                try {
                    c = compile(t);
                } catch (RuntimeException e) {
                    continue;
                }
                if (c.spec().sources().stream().noneMatch(s -> s.equals(dataset) || c.spec().recursive() && s.contains(dataset))
                        || c.spec().excluded(dataset)) {
                    continue;
                }
                Endpoint here = local.apply(t);
                List<Snapshot> snaps = here.listSnapshots(dataset);
                String cursor = ReplicationHolds.cursorTag(t.name());
                int cursorAt = -1;
                for (int i = 0; i < snaps.size(); i++) {
                    if (snaps.get(i).holds() > 0 && here.holds(snaps.get(i).name()).contains(cursor)) {
                        cursorAt = i;
                    }
                }
                for (int i = cursorAt + 1; i < snaps.size(); i++) {
                    if (c.spec().eligible().test(snaps.get(i).shortName())) {
                        out.computeIfAbsent(snaps.get(i).name(), k -> new ArrayList<>())
                                .add("not yet replicated by " + t.name());
                    }
                }
            }
            return out;
        };
    }
}
