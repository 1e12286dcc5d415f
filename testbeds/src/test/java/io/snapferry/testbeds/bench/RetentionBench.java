package io.snapferry.testbeds.bench;

import io.snapferry.dataset.DatasetName;
import io.snapferry.retention.RetentionCandidate;
import io.snapferry.retention.RetentionEngine;
import io.snapferry.retention.RetentionPlan;
import io.snapferry.retention.RetentionPolicy;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * {@link RetentionEngine#plan} over 100,000 snapshots taken every 5 minutes (about 347 days), with
 * every rule family combined. Pure computation: no peer.
 */
public final class RetentionBench implements Benchmark {
    static final Instant NOW = Instant.parse("2026-06-10T12:00:00Z");
    static final DatasetName DATASET = DatasetName.of("tank/data");
    static final String SCHEMA = "auto-%Y-%m-%d_%H-%M";
    static final int COUNT = Integer.getInteger("bench.retention.snapshots", 100_000);

    public static void main(String[] args) {
        BenchRunner.runOne(new RetentionBench());
    }

    @Override
    public String name() {
        return "retention";
    }

    @Override
    public String title() {
        return "retention planning over 100,000 snapshots";
    }

    @Override
    public String description() {
        return """
                `RetentionEngine.plan` over 100,000 snapshots of one naming schema taken every 5 minutes \
                (about 347 days), shuffled, with a few foreign (unparsable) names, held snapshots and snapshots \
                protected as replication bases, under a policy combining every rule family: \
                `2w` lifetime, `last=10,hourly=48,daily=30,weekly=8,monthly=12,yearly=3` (Europe/Berlin), \
                the grid `1x1h(keep=all) | 24x1h | 30x1d | 12x30d` and a scoped `30d` lifetime. Five warm-up \
                plans, then ten measured ones; wall time and the planning thread's CPU time. No peer.""";
    }

    /** {@code count} snapshots of one schema, newest at {@link #NOW}, a few held or protected, a few foreign, shuffled. */
    static List<RetentionCandidate> snapshots(int count) {
        Random random = new Random(1);
        List<RetentionCandidate> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Instant t = NOW.minus(Duration.ofMinutes(5L * i));
            String name = "auto-" + t.toString().replace(':', '-').replace("Z", "");
            boolean foreign = i % 997 == 0;
            out.add(new RetentionCandidate(DATASET.snapshot(foreign ? "manual-" + i : name), i,
                    foreign ? Optional.empty() : Optional.of(t), count - i, i % 1009 == 0 ? 1 : 0,
                    i % 2003 == 0 ? List.of("incremental base of replication offsite") : List.of(),
                    foreign ? Optional.empty() : Optional.of(SCHEMA)));
        }
        Collections.shuffle(out, random);
        return out;
    }

    static RetentionPolicy policy() {
        return RetentionPolicy.AnyOf.of(
                RetentionPolicy.Lifetime.parse("2w"),
                RetentionPolicy.KeepCounts.parse("last=10,hourly=48,daily=30,weekly=8,monthly=12,yearly=3", ZoneId.of("Europe/Berlin")),
                RetentionPolicy.Grid.parse("1x1h(keep=all) | 24x1h | 30x1d | 12x30d"),
                RetentionPolicy.Scoped.of("T0[0-6]-", RetentionPolicy.Lifetime.parse("30d")));
    }

    @Override
    public List<Figure> run(BenchContext ctx) {
        List<RetentionCandidate> in = snapshots(COUNT);
        RetentionPolicy policy = policy();
        for (int i = 0; i < 5; i++) {
            RetentionEngine.plan(in, policy, NOW);
        }
        int runs = ctx.runs(10);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<Double> wall = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        RetentionPlan plan = null;
        for (int i = 0; i < runs; i++) {
            long cpuStart = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            plan = RetentionEngine.plan(in, policy, NOW);
            wall.add(BenchContext.msSince(start));
            cpu.add((threads.getCurrentThreadCpuTime() - cpuStart) / 1e6);
        }
        ctx.log("wall ms: %s", StreamZfsBench.list(wall));
        ctx.note("%,d snapshots: the plan keeps %,d and destroys %,d. Wall times of the %d runs (ms): %s.", COUNT,
                plan.toKeep().size(), plan.toDestroy().size(), runs, StreamZfsBench.list(wall));
        return List.of(
                Figure.of("plan, wall time, median of " + runs, BenchContext.median(wall), "ms", Figure.Goal.below(1000, "< 1 s")),
                Figure.of("plan, wall time, slowest of " + runs, Collections.max(wall), "ms", Figure.Goal.below(1000, "< 1 s")),
                Figure.of("plan, planning thread CPU time, median", BenchContext.median(cpu), "ms", Figure.Goal.below(1000, "< 1 s")));
    }
}
