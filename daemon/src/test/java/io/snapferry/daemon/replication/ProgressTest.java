package io.snapferry.daemon.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.snapferry.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The smoothed rate and the ETA, driven by an injected clock. */
class ProgressTest {
    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
    private static final long MIB = 1 << 20;

    private final MutableClock clock = new MutableClock(T0, ZoneOffset.UTC);
    private final Progress progress = new Progress(clock);

    private Progress.Snapshot at(Duration after, String snapshot, long bytes, OptionalLong total) {
        clock.set(T0.plus(after));
        progress.update("task", "run-1", "tank/data", snapshot, bytes, total, T0);
        return progress.of("task").orElseThrow();
    }

    @Test
    void aSteadyRateGivesTheRemainingBytesOverTheRate() {
        OptionalLong total = OptionalLong.of(100 * MIB);
        Progress.Snapshot s = at(Duration.ofSeconds(10), "s1", 10 * MIB, total);
        assertThat(s.bytesPerSecond()).isCloseTo(MIB, within(1.0));
        assertThat(s.etaSeconds()).contains(90L);
        s = at(Duration.ofSeconds(40), "s1", 40 * MIB, total);
        assertThat(s.bytesPerSecond()).isCloseTo(MIB, within(1.0));
        assertThat(s.etaSeconds()).contains(60L);
        assertThat(s.totalBytes()).isEqualTo(total);
        assertThat(s.startedAt()).isEqualTo(T0);
        assertThat(s.updatedAt()).isEqualTo(T0.plusSeconds(40));
    }

    @Test
    void aSuddenSlowdownMovesTheRateGradually() {
        OptionalLong total = OptionalLong.of(1000 * MIB);
        at(Duration.ofSeconds(10), "s1", 100 * MIB, total); // 10 MiB/s
        // the next 10 s move only 10 MiB (1 MiB/s): the smoothed rate falls part of the way
        Progress.Snapshot s = at(Duration.ofSeconds(20), "s1", 110 * MIB, total);
        double alpha = 1 - Math.exp(-10.0 / Progress.SMOOTHING.toSeconds());
        double expected = 10 * MIB + alpha * (MIB - 10 * MIB);
        assertThat(s.bytesPerSecond()).isCloseTo(expected, within(1.0));
        assertThat(s.bytesPerSecond()).isBetween(1.0 * MIB, 10.0 * MIB);
        assertThat(s.etaSeconds()).contains((long) Math.ceil(890 * MIB / expected));
        // it keeps converging while the slow rate lasts
        for (int i = 3; i <= 12; i++) {
            s = at(Duration.ofSeconds(10L * i), "s1", 100 * MIB + (i - 1) * 10 * MIB, total);
        }
        assertThat(s.bytesPerSecond()).isCloseTo(MIB, within(0.01 * MIB));
    }

    @Test
    void withoutAnEstimateTheEtaIsUnknown() {
        Progress.Snapshot s = at(Duration.ofSeconds(5), "s1", 5 * MIB, OptionalLong.empty());
        assertThat(s.totalBytes()).isEmpty();
        assertThat(s.etaSeconds()).isEmpty();
        assertThat(s.bytesPerSecond()).isCloseTo(MIB, within(1.0));
    }

    @Test
    void pastAShortEstimateTheEtaIsUnknownNotZero() {
        OptionalLong total = OptionalLong.of(10 * MIB);
        assertThat(at(Duration.ofSeconds(10), "s1", 10 * MIB, total).etaSeconds()).contains(0L);
        assertThat(at(Duration.ofSeconds(11), "s1", 11 * MIB, total).etaSeconds()).isEmpty();
    }

    @Test
    void theStepsStartAtZeroBytesDoesNotDragTheRateDown() {
        OptionalLong total = OptionalLong.of(30 * MIB);
        assertThat(at(Duration.ofSeconds(5), "s1", 0, total).etaSeconds()).isEmpty(); // planning took 5 s
        Progress.Snapshot s = at(Duration.ofSeconds(6), "s1", MIB, total);
        assertThat(s.bytesPerSecond()).isCloseTo(MIB, within(1.0));
        assertThat(s.etaSeconds()).contains(29L);
    }

    @Test
    void noTimeNoRateAndNoEta() {
        Progress.Snapshot s = at(Duration.ZERO, "s1", 0, OptionalLong.of(10 * MIB));
        assertThat(s.bytesPerSecond()).isZero();
        assertThat(s.etaSeconds()).isEmpty();
    }

    @Test
    void aNewStepStartsItsRateAfreshAndTheRunKeepsCounting() {
        at(Duration.ofSeconds(10), "s1", 100 * MIB, OptionalLong.of(100 * MIB)); // 10 MiB/s
        Progress.Snapshot s = at(Duration.ofSeconds(20), "s2", 10 * MIB, OptionalLong.of(20 * MIB)); // 1 MiB/s since s1 ended
        assertThat(s.bytes()).isEqualTo(10 * MIB);
        assertThat(s.runBytes()).isEqualTo(110 * MIB);
        assertThat(s.bytesPerSecond()).isCloseTo(MIB, within(1.0));
        assertThat(s.etaSeconds()).contains(10L);
        // a retry of the same step (fewer bytes) is a new step too
        s = at(Duration.ofSeconds(30), "s2", 5 * MIB, OptionalLong.of(20 * MIB));
        assertThat(s.runBytes()).isEqualTo(115 * MIB);
        assertThat(s.bytesPerSecond()).isCloseTo(0.5 * MIB, within(1.0));
    }

    @Test
    void subscribersHearEveryUpdateUntilTheyLeaveAndFinishedRunsDisappear() throws Exception {
        List<Progress.Snapshot> heard = new ArrayList<>();
        AutoCloseable sub = progress.subscribe(heard::add);
        at(Duration.ofSeconds(1), "s1", MIB, OptionalLong.empty());
        at(Duration.ofSeconds(2), "s1", 2 * MIB, OptionalLong.empty());
        sub.close();
        at(Duration.ofSeconds(3), "s1", 3 * MIB, OptionalLong.empty());
        assertThat(heard).extracting(Progress.Snapshot::bytes).containsExactly(MIB, 2 * MIB);
        assertThat(heard).extracting(Progress.Snapshot::runId).containsOnly("run-1");
        assertThat(progress.all()).containsOnlyKeys("task");
        progress.finished("task");
        assertThat(progress.of("task")).isEqualTo(Optional.empty());
        assertThat(progress.all()).isEmpty();
    }
}
