package io.snapferry.daemon.snapshots;

import io.snapferry.daemon.config.ConfigStore;
import io.snapferry.daemon.pools.Pools;
import io.snapferry.daemon.scheduler.ScheduledJob;
import io.snapferry.daemon.tasks.TaskHistory;
import io.snapferry.daemon.tasks.TaskRun;
import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.naming.NameChoice;
import io.snapferry.naming.NamingSchema;
import io.snapferry.retention.Decision;
import io.snapferry.retention.RetentionCandidate;
import io.snapferry.retention.RetentionEngine;
import io.snapferry.retention.RetentionPlan;
import io.snapferry.retention.RetentionPolicy;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The periodic snapshot tasks of this box: create, edit, delete, enable, disable, run; and the
 * jobs the scheduler fires for them.
 *
 * <p>A run: pre-hook (a failure skips the snapshot and says why), allow-empty check, a name from
 * the schema at the run's time, one atomic snapshot across the dataset and its children (minus the
 * excluded), post-hook, then retention over the snapshots this task's schema made. Every run is a
 * task in the {@link TaskHistory}.
 */
public final class SnapshotTasks {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotTasks.class);
    public static final String KIND = "snapshot";

    private final ConfigStore<SnapshotTask> store;
    private final Pools pools;
    private final TaskHistory history;
    private final Clock clock;
    private final Supplier<ZoneId> zone;
    private final HookRunner hooks;
    private volatile RetentionGuard guard = RetentionGuard.NONE;
    private volatile Consumer<String> onSnapshotTaken = id -> { };
    private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Told what runs did, for metrics. Called on the run's thread; must return quickly and not throw. */
    public interface Listener {
        /** A run created {@code count} snapshots. */
        default void taken(String taskId, int count) {
        }

        /** A run failed. */
        default void failed(String taskId) {
        }

        /** Retention destroyed {@code count} snapshots. */
        default void pruned(String taskId, int count) {
        }
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    public SnapshotTasks(ConfigStore<SnapshotTask> store, Pools pools, TaskHistory history, Clock clock,
                         Supplier<ZoneId> zone, HookRunner hooks) {
        this.store = store;
        this.pools = pools;
        this.history = history;
        this.clock = clock;
        this.zone = zone;
        this.hooks = hooks;
    }

    /** Replication registers here so retention spares what it still needs. */
    public void setGuard(RetentionGuard guard) {
        this.guard = guard;
    }

    /** Called with the task id after each run that took a snapshot (replications linked to it follow). */
    public void onSnapshotTaken(Consumer<String> listener) {
        this.onSnapshotTaken = listener;
    }

    public List<SnapshotTask> list() {
        return store.list();
    }

    public Optional<SnapshotTask> get(String id) {
        return store.get(id);
    }

    public SnapshotTask require(String id) {
        return store.get(id).orElseThrow(() -> new DatasetException(io.snapferry.dataset.ErrorCode.NOT_FOUND,
                "snapshot task " + id + " does not exist ('snapferry snapshot-task list' shows them)"));
    }

    /** Validates and saves a new task; its id is generated when blank. */
    public synchronized SnapshotTask create(SnapshotTask t) {
        String id = t.id() == null || t.id().isBlank() ? newId() : t.id();
        if (!ConfigStore.validId(id)) {
            throw new InvalidTaskException("id", "a task id uses lower-case letters, digits, '-' and '_'");
        }
        if (store.get(id).isPresent()) {
            throw new InvalidTaskException("id", "a snapshot task with id " + id + " exists already");
        }
        SnapshotTask withId = new SnapshotTask(id, t.dataset(), t.recursive(), t.exclude(), t.naming(), t.schedule(),
                t.begin(), t.end(), t.retention(), t.allowEmpty(), t.enabled(), t.preHook(), t.postHook());
        validate(withId);
        store.put(withId);
        return withId;
    }

    /** Replaces a task's definition (same id), validated like a new one. */
    public synchronized SnapshotTask update(SnapshotTask t) {
        require(t.id());
        validate(t);
        store.put(t);
        return t;
    }

    public synchronized void delete(String id) {
        require(id);
        store.delete(id);
    }

    public synchronized SnapshotTask setEnabled(String id, boolean enabled) {
        SnapshotTask t = require(id).withEnabled(enabled);
        store.put(t);
        return t;
    }

    private static String newId() {
        SecureRandom r = new SecureRandom();
        return "st-" + Long.toString(Math.abs(r.nextLong()) % 2176782336L, 36);
    }

    /** The one check of a task against this box: fields, dataset presence, schema clashes with other tasks. */
    public CompiledTask validate(SnapshotTask t) {
        return validateAmong(t, store.list());
    }

    /**
     * The same check against a given set of tasks instead of the stored ones (an import checks a
     * whole document's tasks against each other and the tasks it leaves in place).
     */
    public CompiledTask validateAmong(SnapshotTask t, List<SnapshotTask> tasks) {
        CompiledTask c = CompiledTask.compile(t, zone.get());
        try {
            pools.providerOf(c.dataset()).dataset(c.dataset());
        } catch (DatasetException e) {
            throw new InvalidTaskException("dataset", e.getMessage());
        }
        for (SnapshotTask other : tasks) {
            if (other.id().equals(t.id())) {
                continue;
            }
            CompiledTask o = CompiledTask.compile(other, zone.get());
            if (c.overlaps(o)) {
                Optional<String> clash = NamingSchema.collisionExample(c.naming(), o.naming());
                if (clash.isPresent()) {
                    throw new InvalidTaskException("naming", "naming schema '" + t.naming() + "' could produce names that task "
                            + other.id() + "'s schema '" + other.naming() + "' also parses (for example '" + clash.get()
                            + "') on the same dataset; give the schemas distinct prefixes");
                }
            }
        }
        return c;
    }

    /** The scheduler's view of the enabled tasks. */
    public List<ScheduledJob> jobs() {
        List<ScheduledJob> out = new ArrayList<>();
        for (SnapshotTask t : store.list()) {
            if (t.enabled()) {
                out.add(job(t));
            }
        }
        return out;
    }

    public ScheduledJob job(SnapshotTask t) {
        CompiledTask c = CompiledTask.compile(t, zone.get());
        return new ScheduledJob() {
            @Override
            public String id() {
                return "snapshot-task:" + t.id() + ":" + t.hashCode();
            }

            @Override
            public Optional<Instant> nextFireAfter(Instant after) {
                return c.schedule().next(after.atZone(zone.get())).map(z -> z.toInstant());
            }

            @Override
            public Optional<Instant> lastStart() {
                return history.last(KIND, t.id()).map(TaskRun::startedAt);
            }

            @Override
            public void run(Trigger trigger) {
                SnapshotTasks.this.run(t.id(), trigger);
            }
        };
    }

    /** Runs a task now and returns the id of its run in the history. */
    public String run(String taskId, ScheduledJob.Trigger trigger) {
        SnapshotTask t = require(taskId);
        String runId = history.start(KIND, taskId);
        MDC.put("task", runId);
        try {
            String result = runOnce(t, runId, trigger);
            history.end(runId, result.startsWith("skipped") ? TaskRun.State.SKIPPED : TaskRun.State.SUCCEEDED, result);
        } catch (RuntimeException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            history.log(runId, "ERROR", why);
            history.end(runId, TaskRun.State.FAILED, why);
            listeners.forEach(l -> l.failed(taskId));
            LOG.warn("snapshot task {} failed: {}", taskId, why);
        } finally {
            MDC.remove("task");
        }
        return runId;
    }

    private String runOnce(SnapshotTask t, String runId, ScheduledJob.Trigger trigger) {
        CompiledTask c = CompiledTask.compile(t, zone.get());
        ZoneId z = zone.get();
        Instant now = clock.instant();
        history.log(runId, "INFO", "run of snapshot task " + t.id() + " on " + c.dataset() + " (" + trigger.name().toLowerCase() + ")");
        DatasetProvider p = pools.providerOf(c.dataset());
        List<DatasetName> targets = targets(c, p);

        if (t.preHook().isPresent()) {
            HookRunner.Result r = hooks.run(t.preHook().get(), Map.of("SNAPFERRY_DATASET", c.dataset().value(),
                    "SNAPFERRY_TASK", t.id(), "SNAPFERRY_STAGE", "pre"));
            history.log(runId, r.ok() ? "INFO" : "WARN", "pre-snapshot hook: " + r.summary());
            if (!r.ok()) {
                return "skipped: the pre-snapshot hook failed (" + r.summary() + ")";
            }
        }

        if (!t.allowEmpty()) {
            boolean anyWritten = false;
            boolean anySnapshot = false;
            for (DatasetName d : targets) {
                List<Snapshot> existing = p.listSnapshots(d);
                if (existing.stream().anyMatch(s -> c.naming().matches(s.shortName()))) {
                    anySnapshot = true;
                }
                if (p.writtenSinceLastSnapshot(d) > 0 || existing.isEmpty()) {
                    anyWritten = true;
                }
            }
            if (anySnapshot && !anyWritten) {
                history.log(runId, "INFO", "nothing was written since the previous snapshot and empty snapshots are off");
                return "skipped: nothing changed since the previous snapshot (allow-empty is off)";
            }
        }

        Set<String> taken = new HashSet<>();
        for (Snapshot s : p.listSnapshots(c.dataset())) {
            taken.add(s.shortName());
        }
        NameChoice choice = c.naming().nameFor(now, z, taken);
        String result;
        if (choice instanceof NameChoice.Taken tk) {
            history.log(runId, "INFO", tk.reason());
            result = "skipped: " + tk.reason();
        } else {
            List<SnapshotName> names = new ArrayList<>();
            for (DatasetName d : targets) {
                names.add(d.snapshot(choice.name()));
            }
            p.createSnapshots(names);
            for (SnapshotName n : names) {
                history.log(runId, "INFO", "created " + n);
            }
            result = "created " + names.size() + " snapshot" + (names.size() == 1 ? "" : "s") + " @" + choice.name();
            listeners.forEach(l -> l.taken(t.id(), names.size()));
            onSnapshotTaken.accept(t.id());
        }

        if (t.postHook().isPresent()) {
            HookRunner.Result r = hooks.run(t.postHook().get(), Map.of("SNAPFERRY_DATASET", c.dataset().value(),
                    "SNAPFERRY_TASK", t.id(), "SNAPFERRY_STAGE", "post", "SNAPFERRY_SNAPSHOT", choice.name()));
            history.log(runId, r.ok() ? "INFO" : "WARN", "post-snapshot hook: " + r.summary());
        }

        if (c.retention().isPresent()) {
            int destroyed = 0;
            for (DatasetName d : targets) {
                RetentionPlan plan = plan(p, d, List.of(c.naming()), c.retention().get(), clock.instant());
                List<SnapshotName> doomed = plan.toDestroy().stream().map(RetentionCandidate::name).toList();
                if (doomed.isEmpty()) {
                    continue;
                }
                for (Decision dec : plan.decisions()) {
                    if (dec.destroy()) {
                        history.log(runId, "INFO", "retention destroys " + dec.snapshot().name() + ": " + dec.reason());
                    }
                }
                DestroyResult r = p.destroySnapshots(doomed);
                destroyed += r.destroyed().size();
                r.skipped().forEach((n, why) -> history.log(runId, "WARN", "retention skipped " + n + ": " + why));
            }
            if (destroyed > 0) {
                int n = destroyed;
                listeners.forEach(l -> l.pruned(t.id(), n));
                result += "; retention destroyed " + destroyed;
            }
        }
        return result;
    }

    /** The datasets a run snapshots: the dataset, and with recursion its children minus the excluded. */
    static List<DatasetName> targets(CompiledTask c, DatasetProvider p) {
        if (!c.task().recursive()) {
            return List.of(c.dataset());
        }
        List<DatasetName> out = new ArrayList<>();
        for (Dataset d : p.listDatasets(Optional.of(c.dataset()))) {
            if (c.exclude().stream().noneMatch(x -> x.contains(d.name()))) {
                out.add(d.name());
            }
        }
        return out;
    }

    /**
     * The retention plan for one dataset: candidates are its snapshots, dated by whichever of
     * {@code schemas} parses their name; held ones and those the guard protects are marked so.
     */
    public RetentionPlan plan(DatasetProvider p, DatasetName dataset, List<NamingSchema> schemas, RetentionPolicy policy, Instant now) {
        Map<SnapshotName, List<String>> guarded = guard.protectedSnapshots(dataset);
        List<RetentionCandidate> candidates = new ArrayList<>();
        for (Snapshot s : p.listSnapshots(dataset)) {
            List<String> reasons = guarded.getOrDefault(s.name(), List.of());
            RetentionCandidate cand = null;
            for (NamingSchema schema : schemas) {
                Optional<Instant> at = schema.parse(s.shortName(), zone.get());
                if (at.isPresent()) {
                    cand = RetentionCandidate.matched(s, schema.text(), at.get(), reasons);
                    break;
                }
            }
            candidates.add(cand != null ? cand : RetentionCandidate.foreign(s, reasons));
        }
        return RetentionEngine.plan(candidates, policy, now);
    }
}
