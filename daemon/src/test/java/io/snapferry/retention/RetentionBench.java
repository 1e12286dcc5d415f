package io.snapferry.retention;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Measures {@link RetentionEngine#plan} on a large dataset: 100,000 snapshots every 5 minutes
 * (about 347 days) with all rule families combined. Run with
 * {@code java -cp daemon/target/classes:daemon/target/test-classes:<zfs-bridge classes> io.snapferry.retention.RetentionBench [count]}.
 */
public final class RetentionBench {
    static final Instant NOW = Instant.parse("2026-06-10T12:00:00Z");

    private RetentionBench() {
    }

    /** {@code count} snapshots of one schema, newest at {@code NOW}, a few held or protected, a few foreign, shuffled. */
    static List<RetentionCandidate> snapshots(int count) {
        Random random = new Random(1);
        List<RetentionCandidate> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Instant t = NOW.minus(Duration.ofMinutes(5L * i));
            String name = "auto-" + t.toString().replace(':', '-').replace("Z", "");
            boolean foreign = i % 997 == 0;
            out.add(new RetentionCandidate(Fixtures.DATASET.snapshot(foreign ? "manual-" + i : name), i,
                    foreign ? Optional.empty() : Optional.of(t), count - i, i % 1009 == 0 ? 1 : 0,
                    i % 2003 == 0 ? List.of("incremental base of replication offsite") : List.of(),
                    foreign ? Optional.empty() : Optional.of(Fixtures.SCHEMA)));
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

    public static void main(String[] args) {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        List<RetentionCandidate> in = snapshots(count);
        RetentionPolicy policy = policy();
        for (int i = 0; i < 5; i++) {
            RetentionEngine.plan(in, policy, NOW);
        }
        int runs = 10;
        long[] ms = new long[runs];
        long[] cpu = new long[runs];
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        RetentionPlan plan = null;
        for (int i = 0; i < runs; i++) {
            long cpuStart = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            plan = RetentionEngine.plan(in, policy, NOW);
            ms[i] = (System.nanoTime() - start) / 1_000_000;
            cpu[i] = (threads.getCurrentThreadCpuTime() - cpuStart) / 1_000_000;
        }
        Arrays.sort(ms);
        Arrays.sort(cpu);
        if (args.length > 1 && args[1].equals("--per-rule")) {
            for (RetentionPolicy rule : ((RetentionPolicy.AnyOf) policy).rules()) {
                long best = Long.MAX_VALUE;
                for (int i = 0; i < 5; i++) {
                    long start = threads.getCurrentThreadCpuTime();
                    RetentionEngine.plan(in, rule, NOW);
                    best = Math.min(best, (threads.getCurrentThreadCpuTime() - start) / 1_000_000);
                }
                System.out.printf("  %s: thread CPU min %d ms%n", rule.describe(), best);
            }
        }
        System.out.printf("RetentionBench: %,d snapshots, %d runs: wall min %d ms, median %d ms, max %d ms;"
                        + " thread CPU min %d ms, median %d ms; keep %,d, destroy %,d%n",
                count, runs, ms[0], ms[runs / 2], ms[runs - 1], cpu[0], cpu[runs / 2], plan.toKeep().size(), plan.toDestroy().size());
    }
}
