package io.snapferry.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.dataset.ErrorCode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ScheduleTest {
    private static final ZoneId UTC = ZoneOffset.UTC;

    private static ZonedDateTime utc(String iso) {
        return ZonedDateTime.parse(iso + "Z").withZoneSameInstant(UTC);
    }

    @ParameterizedTest
    @CsvSource({
        "hourly, 0 * * * *", "@hourly, 0 * * * *", "daily, 0 0 * * *", "@daily, 0 0 * * *", "@midnight, 0 0 * * *",
        "weekly, 0 0 * * 0", "@weekly, 0 0 * * 0", "monthly, 0 0 1 * *", "@monthly, 0 0 1 * *", "Yearly, 0 0 1 1 *",
        "@annually, 0 0 1 1 *", "'  */15   *  * * * ', */15 * * * *", "'30 2 * * 1-5', 30 2 * * 1-5"})
    void parsesCronAndPresets(String source, String cron) {
        assertThat(Schedule.parse(source).cron()).isEqualTo(cron);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("61 * * * *", "the minute field '61'"),
                Arguments.of("* 24 * * *", "the hour field '24'"),
                Arguments.of("* * 32 * *", "the day-of-month field '32'"),
                Arguments.of("* * * 13 *", "the month field '13'"),
                Arguments.of("* * * * 8", "the day-of-week field '8'"),
                Arguments.of("* * * * FOO", "the day-of-week field 'FOO'"),
                Arguments.of("*/x * * * *", "the minute field '*/x'"),
                Arguments.of("* * * * * *", "has 6 fields; expected 5"),
                Arguments.of("* * *", "has 3 fields; expected 5"),
                Arguments.of("every day", "has 2 fields"),
                Arguments.of("@reboot", "unknown schedule preset '@reboot'"),
                Arguments.of("", "the schedule is empty"),
                Arguments.of("   ", "the schedule is empty"));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void refusesInvalidSchedulesNamingTheField(String expression, String message) {
        assertThatThrownBy(() -> Schedule.parse(expression))
                .isInstanceOf(InvalidScheduleException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((InvalidScheduleException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }

    @Test
    void nextIsStrictlyAfter() {
        Schedule s = Schedule.parse("*/15 * * * *");
        assertThat(s.next(utc("2026-06-01T10:07:00"))).contains(utc("2026-06-01T10:15:00"));
        assertThat(s.next(utc("2026-06-01T10:15:00"))).contains(utc("2026-06-01T10:30:00"));
        assertThat(s.next(utc("2026-06-01T10:14:59.999"))).contains(utc("2026-06-01T10:15:00"));
        assertThat(s.nextRuns(utc("2026-06-01T23:50:00"), 3))
                .containsExactly(utc("2026-06-02T00:00:00"), utc("2026-06-02T00:15:00"), utc("2026-06-02T00:30:00"));
        assertThat(s.nextRuns(utc("2026-06-01T23:50:00"), 0)).isEmpty();
    }

    @Test
    void dayOfWeekSevenIsSunday() {
        assertThat(Schedule.parse("0 4 * * 7").next(utc("2026-11-18T00:00:00"))).contains(utc("2026-11-22T04:00:00"));
        assertThat(Schedule.parse("weekly").next(utc("2026-11-18T00:00:00"))).contains(utc("2026-11-22T00:00:00"));
    }

    @Test
    void dayOfMonthAndDayOfWeekTogetherMeanEitherAsInUnixCron() {
        assertThat(Schedule.parse("0 0 1 * 1").nextRuns(utc("2026-06-01T12:00:00"), 6))
                .extracting(ZonedDateTime::getDayOfMonth).containsExactly(8, 15, 22, 29, 1, 6);
    }

    @Test
    void windowWrappingPastMidnightAllowsOnlyItsHoursWithBothEndsIncluded() {
        Schedule s = Schedule.parse("0 * * * *", LocalTime.of(22, 0), LocalTime.of(6, 0));
        assertThat(s.next(utc("2026-06-01T12:00:00"))).contains(utc("2026-06-01T22:00:00"));
        assertThat(s.next(utc("2026-06-01T06:30:00"))).contains(utc("2026-06-01T22:00:00"));
        assertThat(s.next(utc("2026-06-01T23:30:00"))).contains(utc("2026-06-02T00:00:00"));
        assertThat(s.nextRuns(utc("2026-06-01T21:00:00"), 10)).extracting(ZonedDateTime::getHour)
                .containsExactly(22, 23, 0, 1, 2, 3, 4, 5, 6, 22);
    }

    @Test
    void windowWithinOneDay() {
        Schedule s = Schedule.parse("*/30 * * * *").withWindow(new TimeWindow(LocalTime.of(9, 0), LocalTime.of(10, 0)));
        assertThat(s.nextRuns(utc("2026-06-01T00:00:00"), 4))
                .containsExactly(utc("2026-06-01T09:00:00"), utc("2026-06-01T09:30:00"), utc("2026-06-01T10:00:00"),
                        utc("2026-06-02T09:00:00"));
        assertThat(s.withWindow(null).window()).isEmpty();
    }

    @Test
    void windowThatExcludesEveryCronTimeIsRefused() {
        assertThatThrownBy(() -> Schedule.parse("0 12 * * *", LocalTime.of(22, 0), LocalTime.of(6, 0)))
                .isInstanceOf(InvalidScheduleException.class)
                .hasMessageContaining("the window 22:00 to 06:00 contains none of the times of day of cron expression '0 12 * * *'");
        assertThatThrownBy(() -> Schedule.parse("*/20 * * * *", LocalTime.of(9, 1), LocalTime.of(9, 19)))
                .isInstanceOf(InvalidScheduleException.class);
        assertThat(Schedule.parse("*/20 * * * *", LocalTime.of(9, 1), LocalTime.of(9, 20)).next(utc("2026-06-01T00:00:00")))
                .contains(utc("2026-06-01T09:20:00"));
    }

    @Test
    void aScheduleWithoutRunsInTheHorizonHasNoNext() {
        // 30 February never comes
        assertThat(Schedule.parse("0 0 30 2 *").next(utc("2026-06-01T00:00:00"))).isEmpty();
        assertThat(Schedule.parse("0 0 30 2 *").dueAfterDowntime(Instant.parse("2020-01-01T00:00:00Z"),
                Instant.parse("2026-01-01T00:00:00Z"), UTC)).isEmpty();
    }

    @Test
    void describesForPeople() {
        assertThat(Schedule.parse("*/15 * * * *").describe()).containsIgnoringCase("15 minutes");
        assertThat(Schedule.parse("daily").describe()).contains("(daily: 0 0 * * *)");
        assertThat(Schedule.parse("0 * * * *", LocalTime.of(22, 0), LocalTime.of(6, 0)).describe())
                .endsWith(", only between 22:00 and 06:00 (past midnight)");
        assertThat(Schedule.parse("hourly").toString()).isEqualTo("hourly");
    }

    @Test
    void catchUpAfterDowntimeIsOneRunNeverABurst() {
        Schedule s = Schedule.parse("0 * * * *");
        Instant last = Instant.parse("2026-06-01T10:00:00Z");
        // five runs missed: one catch-up, for the latest of them
        assertThat(s.dueAfterDowntime(last, Instant.parse("2026-06-01T15:30:00Z"), UTC))
                .contains(Instant.parse("2026-06-01T15:00:00Z"));
        // nothing missed
        assertThat(s.dueAfterDowntime(last, Instant.parse("2026-06-01T10:59:59Z"), UTC)).isEmpty();
        assertThat(s.dueAfterDowntime(last, last, UTC)).isEmpty();
        assertThat(s.dueAfterDowntime(last, last.minusSeconds(60), UTC)).isEmpty();
        // a run due exactly now counts
        assertThat(s.dueAfterDowntime(last, Instant.parse("2026-06-01T11:00:00Z"), UTC))
                .contains(Instant.parse("2026-06-01T11:00:00Z"));
    }

    @Test
    void catchUpAfterAYearOfDowntimeIsQuickAndSingle() {
        Schedule s = Schedule.parse("* * * * *");
        long start = System.nanoTime();
        assertThat(s.dueAfterDowntime(Instant.parse("2025-06-01T10:00:00Z"), Instant.parse("2026-06-01T10:00:30Z"), UTC))
                .contains(Instant.parse("2026-06-01T10:00:00Z"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        Schedule rare = Schedule.parse("0 0 1 1 *");
        assertThat(rare.dueAfterDowntime(Instant.parse("2020-06-01T00:00:00Z"), Instant.parse("2026-06-01T00:00:00Z"), UTC))
                .contains(Instant.parse("2026-01-01T00:00:00Z"));
    }

    @Test
    void catchUpRespectsTheWindow() {
        Schedule s = Schedule.parse("0 * * * *", LocalTime.of(22, 0), LocalTime.of(6, 0));
        assertThat(s.dueAfterDowntime(Instant.parse("2026-06-01T05:00:00Z"), Instant.parse("2026-06-01T12:00:00Z"), UTC))
                .contains(Instant.parse("2026-06-01T06:00:00Z"));
        assertThat(s.dueAfterDowntime(Instant.parse("2026-06-01T06:00:00Z"), Instant.parse("2026-06-01T21:59:00Z"), UTC))
                .isEmpty();
    }

    @Test
    void timeWindowContains() {
        TimeWindow night = new TimeWindow(LocalTime.of(22, 0), LocalTime.of(6, 0));
        assertThat(night.wraps()).isTrue();
        assertThat(List.of(LocalTime.of(22, 0), LocalTime.of(23, 59), LocalTime.MIDNIGHT, LocalTime.of(6, 0)))
                .allMatch(night::contains);
        assertThat(List.of(LocalTime.of(21, 59), LocalTime.of(6, 1), LocalTime.NOON)).noneMatch(night::contains);
        TimeWindow day = new TimeWindow(LocalTime.of(9, 0), LocalTime.of(17, 0));
        assertThat(day.wraps()).isFalse();
        assertThat(day.contains(LocalTime.of(9, 0))).isTrue();
        assertThat(day.contains(LocalTime.of(17, 0, 1))).isFalse();
        assertThat(TimeWindow.ALWAYS.contains(LocalTime.MAX)).isTrue();
    }
}
