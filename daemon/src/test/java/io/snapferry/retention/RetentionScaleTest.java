package io.snapferry.retention;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Guards against a slow (quadratic) engine; the precise figure comes from {@link RetentionBench}. */
class RetentionScaleTest {

    @Test
    void plansOneHundredThousandSnapshotsQuickly() {
        List<RetentionCandidate> in = RetentionBench.snapshots(100_000);
        RetentionPolicy policy = RetentionBench.policy();
        RetentionEngine.plan(in, policy, RetentionBench.NOW); // warm-up
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        RetentionPlan plan = RetentionEngine.plan(in, policy, RetentionBench.NOW);
        // CPU time of this thread: other builds on a shared machine do not count against it
        Duration took = Duration.ofNanos(threads.getCurrentThreadCpuTime() - start);
        assertThat(plan.decisions()).hasSize(100_000);
        // roughly two weeks every 5 minutes plus the grid's and the counts' picks stay; the rest goes
        assertThat(plan.toKeep().size()).isBetween(4_032, 10_000);
        // the target is 1 s (see RetentionBench); the bound leaves room for a slow CI box yet fails a quadratic engine
        assertThat(took).isLessThan(Duration.ofSeconds(5));
    }
}
