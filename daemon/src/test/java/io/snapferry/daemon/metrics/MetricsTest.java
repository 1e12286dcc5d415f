package io.snapferry.daemon.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.daemon.pools.Pools;
import io.snapferry.daemon.tasks.TaskRun;
import io.snapferry.dataset.PoolSpace;
import io.snapferry.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MetricsTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);
    final AtomicInteger queue = new AtomicInteger(3);
    final Metrics metrics = new Metrics(clock, () -> List.of(
            new Pools.PoolInfo("tank", "zfs", new PoolSpace("tank", 1000, 250, 750, "ONLINE")),
            new Pools.PoolInfo("local", "store", new PoolSpace("local", 4096, 96, 4000, "ONLINE"))), queue::get);

    private void feed() {
        metrics.snapshotsTaken("daily", 3);
        metrics.snapshotsTaken("daily", 2);
        metrics.snapshotFailed("hourly");
        metrics.snapshotsPruned("daily", 4);
        metrics.replicationFinished("offsite", 1_500_000, Duration.ofMillis(12_500),
                Optional.of(Instant.parse("2026-11-22T09:00:00Z")), true);
        metrics.replicationFinished("offsite", 500, Duration.ofSeconds(2), Optional.empty(), false);
        metrics.verificationFailed("offsite");
        metrics.taskEnded(new TaskRun("t-1", "snapshot", "we\"ird\\task\nid", TaskRun.State.SUCCEEDED,
                Instant.parse("2026-11-22T09:59:00Z"), Optional.of(Instant.parse("2026-11-22T09:59:30Z")), "ok", List.of()));
        metrics.taskEnded(new TaskRun("t-2", "snapshot", "failing", TaskRun.State.FAILED,
                Instant.parse("2026-11-22T09:59:00Z"), Optional.of(Instant.parse("2026-11-22T09:59:30Z")), "no", List.of()));
    }

    @Test
    void everySeriesHasItsValue() {
        feed();
        clock.advance(Duration.ofMinutes(30));
        String text = metrics.render();
        assertThat(text).contains(
                "# TYPE snapferry_snapshots_taken_total counter\n",
                "snapferry_snapshots_taken_total{task=\"daily\"} 5\n",
                "snapferry_snapshots_taken_total{task=\"hourly\"} 0\n",
                "snapferry_snapshots_failed_total{task=\"hourly\"} 1\n",
                "snapferry_snapshots_pruned_total{task=\"daily\"} 4\n",
                "snapferry_replication_bytes_total{task=\"offsite\"} 1500500\n",
                "snapferry_replication_failures_total{task=\"offsite\"} 1\n",
                "snapferry_replication_duration_seconds{task=\"offsite\"} 2\n",
                "snapferry_replication_lag_seconds{task=\"offsite\"} 5400\n",
                "snapferry_last_success_timestamp_seconds{kind=\"replication\",task=\"offsite\"} 1795341600\n",
                "snapferry_last_success_timestamp_seconds{kind=\"snapshot\",task=\"we\\\"ird\\\\task\\nid\"} 1795341570\n",
                "snapferry_verification_failures_total{task=\"offsite\"} 1\n",
                "snapferry_task_queue_length 3\n",
                "snapferry_pool_free_bytes{pool=\"tank\"} 750\n",
                "snapferry_pool_size_bytes{pool=\"local\"} 4096\n",
                "# TYPE snapferry_up gauge\nsnapferry_up 1\n");
        assertThat(text).doesNotContain("task=\"failing\"");
        assertThat(Instant.ofEpochSecond(1795341600L)).isEqualTo(Instant.parse("2026-11-22T10:00:00Z"));
    }

    @Test
    void promtoolAcceptsTheExposition() throws Exception {
        feed();
        Promtool.check(metrics.render());
        Promtool.check(new Metrics(clock, List::of, () -> 0).render());
    }

    @Test
    void aFailingSourceDropsOnlyItsOwnSamples() throws Exception {
        Metrics broken = new Metrics(clock, () -> {
            throw new IllegalStateException("pool gone");
        }, () -> 0);
        broken.snapshotsTaken("a", 1);
        String text = broken.render();
        assertThat(text).contains("snapferry_snapshots_taken_total{task=\"a\"} 1").doesNotContain("snapferry_pool_free_bytes{");
        Promtool.check(text);
    }

    @Test
    void theRegistryRefusesMisuse() {
        MetricRegistry r = new MetricRegistry();
        assertThatThrownBy(() -> r.counter("requests", "no suffix")).hasMessageContaining("_total");
        MetricRegistry.Family c = r.counter("x_total", "x", "a");
        assertThatThrownBy(() -> c.add(-1, "v")).hasMessageContaining("never decreases");
        assertThatThrownBy(() -> c.inc()).hasMessageContaining("takes labels [a]");
        assertThatThrownBy(() -> r.gauge("x_total", "again")).hasMessageContaining("twice");
        assertThatThrownBy(() -> r.gauge("bad-name", "x")).hasMessageContaining("invalid metric name");
        assertThat(MetricRegistry.format(0.25)).isEqualTo("0.25");
        assertThat(MetricRegistry.format(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
    }
}
