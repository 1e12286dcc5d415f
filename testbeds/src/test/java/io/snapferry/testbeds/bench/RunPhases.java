package io.snapferry.testbeds.bench;

import io.snapferry.daemon.tasks.TaskRun;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The phases of one finished replication run, read from the times of its log lines: the daemon
 * logs one line when the task is compiled and about to open its ends, then one line per dataset
 * after the replicator returned, and ends the run after recording what it did.
 *
 * @param start     seconds from the run's start to its first log line
 * @param replicate seconds from the first log line to the first dataset's line (opening the ends
 *                  and the replicator's whole work)
 * @param record    seconds from the last log line to the run's end
 */
record RunPhases(double start, double replicate, double record) {
    /**
     * The phases of {@code run}, which replicated {@code datasets} datasets; fails when the run has
     * not ended or its log is not one opening line and one line per dataset.
     */
    static RunPhases of(TaskRun run, int datasets) {
        List<TaskRun.LogLine> log = run.log();
        Instant end = run.endedAt().orElseThrow(() -> new IllegalArgumentException("run " + run.id() + " has not ended"));
        if (log.size() != datasets + 1) {
            throw new IllegalArgumentException("run " + run.id() + " logged " + log.size() + " lines, expected one opening line and "
                    + datasets + " for its datasets: " + log.stream().map(TaskRun.LogLine::message).limit(5).toList());
        }
        return new RunPhases(seconds(run.startedAt(), log.get(0).time()), seconds(log.get(0).time(), log.get(1).time()),
                seconds(log.get(log.size() - 1).time(), end));
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e9;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "start %.3f s, replicate %.3f s, record %.3f s", start, replicate, record);
    }
}
