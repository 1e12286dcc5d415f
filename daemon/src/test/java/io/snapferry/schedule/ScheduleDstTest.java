package io.snapferry.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cron across Europe/Berlin's daylight-saving changes (2026-03-29 and 2026-10-25). */
class ScheduleDstTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static ZonedDateTime berlin(String local) {
        return java.time.LocalDateTime.parse(local).atZone(BERLIN);
    }

    private static List<ZonedDateTime> runsOn(Schedule s, LocalDate day) {
        return s.nextRuns(day.minusDays(1).atTime(12, 0).atZone(BERLIN), 200).stream()
                .filter(t -> t.toLocalDate().equals(day)).toList();
    }

    @Test
    void fixedTimeJobInTheSpringGapRunsOnceWhenTheGapEnds() {
        Schedule s = Schedule.parse("30 2 * * *");
        assertThat(runsOn(s, LocalDate.of(2026, 3, 29))).containsExactly(berlin("2026-03-29T03:00"));
        assertThat(s.nextRuns(berlin("2026-03-28T12:00"), 3)).containsExactly(
                berlin("2026-03-29T03:00"), berlin("2026-03-30T02:30"), berlin("2026-03-31T02:30"));
        assertThat(s.next(berlin("2026-03-29T03:00"))).contains(berlin("2026-03-30T02:30"));
    }

    @Test
    void twoFixedTimesInTheGapStillRunOnce() {
        Schedule s = Schedule.parse("0,30 2 * * *");
        assertThat(runsOn(s, LocalDate.of(2026, 3, 29))).containsExactly(berlin("2026-03-29T03:00"));
    }

    @Test
    void fixedTimeJobInTheRepeatedAutumnHourRunsOnlyAtTheFirstOccurrence() {
        Schedule s = Schedule.parse("30 2 * * *");
        List<ZonedDateTime> runs = runsOn(s, LocalDate.of(2026, 10, 25));
        assertThat(runs).hasSize(1);
        assertThat(runs.get(0).toInstant()).isEqualTo(java.time.Instant.parse("2026-10-25T00:30:00Z"));
        assertThat(runs.get(0).getOffset().getTotalSeconds()).isEqualTo(7200);
        // asked from inside the second pass, it does not run again that day
        ZonedDateTime secondPass = ZonedDateTime.ofInstant(java.time.Instant.parse("2026-10-25T01:10:00Z"), BERLIN);
        assertThat(s.next(secondPass)).contains(berlin("2026-10-26T02:30"));
    }

    @Test
    void intervalJobFollowsRealTimeAcrossTheSpringGap() {
        Schedule s = Schedule.parse("*/15 * * * *");
        List<ZonedDateTime> runs = s.nextRuns(berlin("2026-03-29T00:50"), 12);
        assertThat(runs).extracting(t -> t.toLocalTime().toString()).containsExactly(
                "01:00", "01:15", "01:30", "01:45", "03:00", "03:15", "03:30", "03:45", "04:00", "04:15", "04:30", "04:45");
        for (int i = 1; i < runs.size(); i++) {
            assertThat(Duration.between(runs.get(i - 1), runs.get(i))).isEqualTo(Duration.ofMinutes(15));
        }
    }

    @Test
    void intervalJobRunsInBothPassesOfTheRepeatedHour() {
        Schedule s = Schedule.parse("*/15 * * * *");
        List<ZonedDateTime> runs = s.nextRuns(berlin("2026-10-25T01:50"), 12);
        assertThat(runs).extracting(t -> t.toLocalTime().toString()).containsExactly(
                "02:00", "02:15", "02:30", "02:45", "02:00", "02:15", "02:30", "02:45", "03:00", "03:15", "03:30", "03:45");
        assertThat(runs).doesNotHaveDuplicates();
        for (int i = 1; i < runs.size(); i++) {
            assertThat(Duration.between(runs.get(i - 1), runs.get(i))).isEqualTo(Duration.ofMinutes(15));
        }
        // asked from the last minutes of the first pass, the next run is the first of the second pass
        assertThat(s.next(berlin("2026-10-25T02:50"))).hasValueSatisfying(t -> {
            assertThat(t.toLocalTime().toString()).isEqualTo("02:00");
            assertThat(t.getOffset().getTotalSeconds()).isEqualTo(3600);
        });
    }

    @Test
    void hourlyPresetRunsEveryRealHourAcrossBothChanges() {
        Schedule s = Schedule.parse("hourly");
        List<ZonedDateTime> spring = s.nextRuns(berlin("2026-03-29T00:30"), 4);
        assertThat(spring).extracting(t -> t.toLocalTime().getHour()).containsExactly(1, 3, 4, 5);
        List<ZonedDateTime> autumn = s.nextRuns(berlin("2026-10-25T00:30"), 5);
        assertThat(autumn).extracting(t -> t.toLocalTime().getHour()).containsExactly(1, 2, 2, 3, 4);
        for (List<ZonedDateTime> runs : List.of(spring, autumn)) {
            for (int i = 1; i < runs.size(); i++) {
                assertThat(Duration.between(runs.get(i - 1), runs.get(i))).isEqualTo(Duration.ofHours(1));
            }
        }
    }

    @Test
    void dailyAtMidnightIsUnaffected() {
        assertThat(Schedule.parse("daily").nextRuns(berlin("2026-10-24T12:00"), 2))
                .containsExactly(berlin("2026-10-25T00:00"), berlin("2026-10-26T00:00"));
    }

    @Test
    void windowIsCheckedOnTheWallClock() {
        Schedule s = Schedule.parse("0 * * * *", java.time.LocalTime.of(2, 0), java.time.LocalTime.of(2, 0));
        assertThat(runsOn(s, LocalDate.of(2026, 10, 25))).hasSize(2);
        assertThat(runsOn(s, LocalDate.of(2026, 3, 29))).isEmpty();
    }
}
