package io.snapferry.daemon.metrics;

import io.snapferry.daemon.pools.Pools;
import io.snapferry.daemon.tasks.TaskRun;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The metrics of one box, served at {@code GET /metrics}. Parts of the daemon report events here;
 * gauges about the present (pool space, queue length, replication lag) are read at each scrape.
 *
 * <p>Thread-safe; every method returns at once and never throws for a well-formed call.
 *
 * <p>Task labels are task ids (snapshot task ids, replication task names), never free text.
 */
public final class Metrics {
    private final Clock clock;
    private final MetricRegistry registry = new MetricRegistry();
    private final MetricRegistry.Family snapshotsTaken;
    private final MetricRegistry.Family snapshotsFailed;
    private final MetricRegistry.Family snapshotsPruned;
    private final MetricRegistry.Family replicationBytes;
    private final MetricRegistry.Family replicationFailures;
    private final MetricRegistry.Family replicationDuration;
    private final MetricRegistry.Family lastSuccess;
    private final MetricRegistry.Family verificationFailures;
    private final Map<String, Instant> newestReplicated = new ConcurrentHashMap<>();

    /**
     * @param pools       the pools to report space for, read at each scrape
     * @param queueLength jobs submitted to the scheduler and not finished, read at each scrape
     */
    public Metrics(Clock clock, Supplier<List<Pools.PoolInfo>> pools, IntSupplier queueLength) {
        this.clock = clock;
        registry.gauge("snapferry_up", "1 while the daemon runs", List.of(), s -> s.sample(1));
        snapshotsTaken = registry.counter("snapferry_snapshots_taken_total", "Snapshots created by snapshot tasks", "task");
        snapshotsFailed = registry.counter("snapferry_snapshots_failed_total", "Snapshot task runs that failed", "task");
        snapshotsPruned = registry.counter("snapferry_snapshots_pruned_total", "Snapshots destroyed by retention", "task");
        replicationBytes = registry.counter("snapferry_replication_bytes_total", "Bytes sent by replication tasks", "task");
        replicationFailures = registry.counter("snapferry_replication_failures_total", "Replication runs that failed", "task");
        replicationDuration = registry.gauge("snapferry_replication_duration_seconds",
                "Duration of the last run of a replication task", "task");
        registry.gauge("snapferry_replication_lag_seconds",
                "Age of the newest snapshot a replication task has replicated", List.of("task"), s -> {
                    Instant now = clock.instant();
                    newestReplicated.forEach((task, t) -> s.sample(Math.max(0, Duration.between(t, now).toMillis()) / 1000.0, task));
                });
        lastSuccess = registry.gauge("snapferry_last_success_timestamp_seconds",
                "When a task last succeeded, in seconds since the epoch", "kind", "task");
        verificationFailures = registry.counter("snapferry_verification_failures_total",
                "Verifications that found a snapshot or stream damaged or missing", "task");
        registry.gauge("snapferry_task_queue_length", "Jobs waiting or running in the scheduler", List.of(),
                s -> s.sample(queueLength.getAsInt()));
        registry.gauge("snapferry_pool_free_bytes", "Free bytes of a pool", List.of("pool"),
                s -> pools.get().forEach(p -> s.sample(p.space().free(), p.name())));
        registry.gauge("snapferry_pool_size_bytes", "Size of a pool in bytes", List.of("pool"),
                s -> pools.get().forEach(p -> s.sample(p.space().size(), p.name())));
    }

    /** The registry, to render or to register further families. */
    public MetricRegistry registry() {
        return registry;
    }

    /** The text exposition of every metric. */
    public String render() {
        return registry.render();
    }

    /** A snapshot task created {@code count} snapshots (one per dataset of the run). */
    public void snapshotsTaken(String task, int count) {
        snapshotsTaken.add(count, task);
        snapshotsFailed.touch(task);
    }

    /** A snapshot task's run failed. */
    public void snapshotFailed(String task) {
        snapshotsFailed.inc(task);
        snapshotsTaken.touch(task);
    }

    /** Retention of a snapshot task destroyed {@code count} snapshots. */
    public void snapshotsPruned(String task, int count) {
        snapshotsPruned.add(count, task);
    }

    /**
     * A replication run ended.
     *
     * @param bytes              bytes sent by this run (also when it failed part way)
     * @param duration           how long the run took
     * @param newestSnapshotTime creation time of the newest snapshot now on the target, when known;
     *                           the lag gauge is its age at each scrape
     * @param ok                 whether the run succeeded; a success also sets the last-success time
     */
    public void replicationFinished(String task, long bytes, Duration duration, Optional<Instant> newestSnapshotTime, boolean ok) {
        replicationBytes.add(Math.max(0, bytes), task);
        replicationDuration.set(duration.toMillis() / 1000.0, task);
        replicationFailures.add(ok ? 0 : 1, task);
        newestSnapshotTime.ifPresent(t -> newestReplicated.merge(task, t, (a, b) -> a.isAfter(b) ? a : b));
        if (ok) {
            succeeded("replication", task, clock.instant());
        }
    }

    /** A verification found damage or a missing snapshot. */
    public void verificationFailed(String task) {
        verificationFailures.inc(task);
    }

    /** A task of {@code kind} succeeded at {@code at}. */
    public void succeeded(String kind, String task, Instant at) {
        lastSuccess.set(at.toEpochMilli() / 1000.0, kind, task);
    }

    /** Listener for the task history: a succeeded run of any kind sets its last-success time. */
    public void taskEnded(TaskRun run) {
        if (run.state() == TaskRun.State.SUCCEEDED) {
            succeeded(run.kind(), run.subject(), run.endedAt().orElse(clock.instant()));
        }
    }
}
