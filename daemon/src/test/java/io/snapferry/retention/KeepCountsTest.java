package io.snapferry.retention;

import static io.snapferry.retention.Fixtures.at;
import static io.snapferry.retention.Fixtures.held;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Proxmox Backup Server's keep-* semantics, case by case. Times are UTC; the newest snapshot is first. */
class KeepCountsTest {
    private static final Instant NOW = Instant.parse("2026-06-10T12:30:00Z");
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("keep-last takes the newest hour, keep-hourly the next hours, one per hour",
                        "last=1,hourly=2", ZoneOffset.UTC,
                        List.of("2026-06-10T12:00:00Z", "2026-06-10T11:05:00Z", "2026-06-10T10:40:00Z", "2026-06-10T10:10:00Z",
                                "2026-06-10T09:30:00Z"),
                        List.of("2026-06-10T12:00:00Z", "2026-06-10T11:05:00Z", "2026-06-10T10:40:00Z")),
                Arguments.of("keep-daily skips the day keep-hourly already covers and counts only older days",
                        "hourly=1,daily=2", ZoneOffset.UTC,
                        List.of("2026-06-10T10:40:00Z", "2026-06-10T08:00:00Z", "2026-06-09T23:00:00Z", "2026-06-09T22:00:00Z",
                                "2026-06-08T12:00:00Z", "2026-06-07T12:00:00Z"),
                        List.of("2026-06-10T10:40:00Z", "2026-06-09T23:00:00Z", "2026-06-08T12:00:00Z")),
                Arguments.of("weeks are ISO weeks: Monday 2025-12-29 is in 2026-W01",
                        "weekly=2", ZoneOffset.UTC,
                        List.of("2026-01-04T12:00:00Z", "2025-12-29T12:00:00Z", "2025-12-28T12:00:00Z", "2025-12-21T12:00:00Z"),
                        List.of("2026-01-04T12:00:00Z", "2025-12-28T12:00:00Z")),
                Arguments.of("days are days of the configured zone (Berlin)",
                        "daily=2", BERLIN,
                        List.of("2026-06-01T22:30:00Z", "2026-06-01T21:00:00Z", "2026-05-31T12:00:00Z"),
                        List.of("2026-06-01T22:30:00Z", "2026-06-01T21:00:00Z")),
                Arguments.of("the same snapshots in UTC fall on one day",
                        "daily=2", ZoneOffset.UTC,
                        List.of("2026-06-01T22:30:00Z", "2026-06-01T21:00:00Z", "2026-05-31T12:00:00Z"),
                        List.of("2026-06-01T22:30:00Z", "2026-05-31T12:00:00Z")),
                Arguments.of("keep-yearly continues where keep-monthly stopped",
                        "monthly=2,yearly=2", ZoneOffset.UTC,
                        List.of("2026-06-15T00:00:00Z", "2026-06-01T00:00:00Z", "2026-05-20T00:00:00Z", "2026-04-01T00:00:00Z",
                                "2025-12-31T00:00:00Z", "2025-06-01T00:00:00Z", "2024-06-01T00:00:00Z"),
                        List.of("2026-06-15T00:00:00Z", "2026-05-20T00:00:00Z", "2025-12-31T00:00:00Z", "2024-06-01T00:00:00Z")),
                Arguments.of("keep-last counts snapshots with equal times separately",
                        "last=2", ZoneOffset.UTC,
                        List.of("2026-06-10T12:00:00Z", "2026-06-10T11:00:00Z", "2026-06-10T11:00:00Z", "2026-06-10T10:00:00Z"),
                        List.of("2026-06-10T12:00:00Z", "2026-06-10T11:00:00Z")),
                Arguments.of("all zero keeps only the newest (engine rule)",
                        "last=0", ZoneOffset.UTC,
                        List.of("2026-06-10T12:00:00Z", "2026-06-10T11:00:00Z"),
                        List.of("2026-06-10T12:00:00Z")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void selectsLikeProxmoxBackupServer(String title, String counts, ZoneId zone, List<String> times, List<String> expectedKept) {
        List<RetentionCandidate> in = new ArrayList<>();
        for (int i = 0; i < times.size(); i++) {
            RetentionCandidate c = at(times.get(i));
            // distinct names and txgs even for equal times: newer input position = higher txg
            in.add(Fixtures.named(c.shortName() + "_" + i, Fixtures.SCHEMA, c.createdAt().get(), 1000 - i));
        }
        RetentionPlan plan = RetentionEngine.plan(in, RetentionPolicy.KeepCounts.parse(counts, zone), NOW);
        List<String> keptTimes = plan.toKeep().stream().map(c -> c.createdAt().get().toString()).toList();
        assertThat(keptTimes).as(title).containsExactlyElementsOf(expectedKept);
    }

    @Test
    void reasonsNameThePeriod() {
        List<RetentionCandidate> in = List.of(at("2026-06-10T12:00:00Z"), at("2026-06-10T11:05:00Z"), at("2026-06-10T10:40:00Z"),
                at("2026-06-10T10:10:00Z"), at("2026-06-10T09:30:00Z"));
        RetentionPlan plan = RetentionEngine.plan(in, RetentionPolicy.KeepCounts.parse("last=1,hourly=2", ZoneOffset.UTC), NOW);
        assertThat(plan.decisions()).extracting(Decision::reason).containsExactly(
                "newest snapshot of schema auto-%Y-%m-%d_%H-%M",
                "keep-hourly=2: newest of hour 2026-06-10 11:00 (period 1 of 2)",
                "keep-hourly=2: newest of hour 2026-06-10 10:00 (period 2 of 2)",
                "keep-hourly=2: hour 2026-06-10 10:00 already keeps a newer snapshot",
                "keep last=1,hourly=2: not selected");
    }

    @Test
    void heldSnapshotsAreNotCounted() {
        List<RetentionCandidate> in = List.of(at("2026-06-10T12:00:00Z"), held(at("2026-06-10T11:00:00Z"), 1),
                at("2026-06-10T10:00:00Z"), at("2026-06-10T09:00:00Z"));
        RetentionPlan plan = RetentionEngine.plan(in, RetentionPolicy.KeepCounts.parse("last=2", ZoneOffset.UTC), NOW);
        assertThat(Fixtures.destroyed(plan)).containsExactly("auto-2026-06-10T09-00-00");
        assertThat(plan.decisions().get(1).reason()).startsWith("held (1 hold)");
    }

    @Test
    void inputOrderDoesNotMatter() {
        List<RetentionCandidate> in = new ArrayList<>();
        for (int h = 0; h < 100; h++) {
            in.add(at(NOW.minusSeconds(3600L * 7 * h).toString()));
        }
        RetentionPolicy p = RetentionPolicy.KeepCounts.parse("last=2,hourly=5,daily=5,weekly=3,monthly=2,yearly=1", BERLIN);
        List<String> forward = Fixtures.kept(RetentionEngine.plan(in, p, NOW));
        RetentionCandidate[] reversed = in.toArray(new RetentionCandidate[0]);
        java.util.Collections.reverse(Arrays.asList(reversed));
        List<String> backward = Fixtures.kept(RetentionEngine.plan(List.of(reversed), p, NOW));
        assertThat(backward).containsExactlyInAnyOrderElementsOf(forward);
        assertThat(forward.size()).isGreaterThan(2 + 5 + 5).isLessThan(in.size());
    }
}
