package io.snapferry.testbeds.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.daemon.tasks.TaskRun;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Reading a replication run's phases from its log lines. */
class RunPhasesTest {
    private static final Instant T0 = Instant.parse("2026-11-23T09:00:00Z");

    private static TaskRun run(Optional<Instant> end, TaskRun.LogLine... log) {
        return new TaskRun("t-1", "replication", "r", end.isPresent() ? TaskRun.State.SUCCEEDED : TaskRun.State.RUNNING, T0,
                end, "up to date", List.of(log));
    }

    private static TaskRun.LogLine line(long millis, String message) {
        return new TaskRun.LogLine(T0.plusMillis(millis), "INFO", message);
    }

    @Test
    void splitsTheRunAtItsOpeningLineAndItsDatasetsLines() {
        TaskRun r = run(Optional.of(T0.plusMillis(700)), line(20, "replication r: push over ssh"),
                line(520, "a -> b: up to date"), line(521, "a/c -> b/c: up to date"));

        RunPhases p = RunPhases.of(r, 2);

        assertThat(p.start()).isEqualTo(0.020);
        assertThat(p.replicate()).isEqualTo(0.500);
        assertThat(p.record()).isEqualTo(0.179);
        assertThat(p).hasToString("start 0.020 s, replicate 0.500 s, record 0.179 s");
    }

    @Test
    void refusesARunStillGoingOrWithAnotherLog() {
        assertThatThrownBy(() -> RunPhases.of(run(Optional.empty(), line(1, "x"), line(2, "y")), 1))
                .hasMessageContaining("has not ended");
        assertThatThrownBy(() -> RunPhases.of(run(Optional.of(T0.plusMillis(9)), line(1, "replication r"), line(2, "a -> b")), 3))
                .hasMessageContaining("logged 2 lines, expected one opening line and 3");
    }
}
