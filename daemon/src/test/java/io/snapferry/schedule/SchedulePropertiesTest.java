package io.snapferry.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** {@link Schedule#next} against a plain walk over cron-utils' run times where there is no DST, and its DST invariants. */
class SchedulePropertiesTest {
    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final List<String> CRONS = List.of("*/15 * * * *", "0 * * * *", "30 2 * * *", "5,35 */3 * * 1-5",
            "0 0 1 * *", "45 23 * * 0", "0 12 * * *", "*/7 9-17 * * *", "0 0 1 * 1");

    @Provide
    Arbitrary<String> crons() {
        return Arbitraries.of(CRONS);
    }

    @Provide
    Arbitrary<Optional<TimeWindow>> windows() {
        Arbitrary<LocalTime> t = Arbitraries.integers().between(0, 23 * 4).map(q -> LocalTime.of(q / 4, q % 4 * 15));
        return Arbitraries.oneOf(Arbitraries.just(Optional.empty()), t.flatMap(b -> t.map(e -> Optional.of(new TimeWindow(b, e)))));
    }

    @Provide
    Arbitrary<Instant> instants() {
        return Arbitraries.longs().between(Instant.parse("2026-01-01T00:00:00Z").getEpochSecond(),
                Instant.parse("2027-12-31T00:00:00Z").getEpochSecond()).map(Instant::ofEpochSecond);
    }

    @Property(tries = 200)
    void nextMatchesAWalkOverCronTimesWithoutDst(@ForAll("crons") String cron, @ForAll("windows") Optional<TimeWindow> window,
                                                    @ForAll("instants") Instant after,
                                                    @ForAll("noDstZones") ZoneId zone) {
        Schedule s;
        try {
            s = Schedule.parse(cron).withWindow(window.orElse(null));
        } catch (InvalidScheduleException e) {
            // a window that contains none of the cron's times is refused up front
            Assume.that(false);
            return;
        }
        ExecutionTime exec = ExecutionTime.forCron(PARSER.parse(cron));
        ZonedDateTime from = after.atZone(zone);
        ZonedDateTime expected = null;
        ZonedDateTime limit = from.plusDays(10);
        // without DST every cron time is one instant: walk cron-utils' own run times and filter by the window
        for (Optional<ZonedDateTime> t = exec.nextExecution(from); t.isPresent() && t.get().isBefore(limit);
             t = exec.nextExecution(t.get())) {
            if (window.isEmpty() || window.get().contains(t.get().toLocalTime())) {
                expected = t.get();
                break;
            }
        }
        Optional<ZonedDateTime> actual = s.next(from);
        if (expected == null) {
            assertThat(actual.map(a -> !a.isBefore(limit)).orElse(true)).isTrue();
        } else {
            assertThat(actual.map(ZonedDateTime::toInstant)).contains(expected.toInstant());
        }
    }

    @Provide
    Arbitrary<ZoneId> noDstZones() {
        return Arbitraries.of("UTC", "Asia/Kolkata", "Asia/Tokyo").map(ZoneId::of);
    }

    @Property(tries = 100)
    void runsIncreaseAndFixedTimeJobsNeverRepeatAWallClockTime(@ForAll("crons") String cron, @ForAll("dstZones") ZoneId zone,
                                                              @ForAll("dstDays") Instant around) {
        Schedule s = Schedule.parse(cron);
        List<ZonedDateTime> runs = s.nextRuns(around.minus(Duration.ofHours(30)).atZone(zone), 100);
        for (int i = 1; i < runs.size(); i++) {
            assertThat(runs.get(i).toInstant()).isAfter(runs.get(i - 1).toInstant());
        }
        if (!s.isIntervalJob()) {
            assertThat(runs.stream().map(ZonedDateTime::toLocalDateTime).toList()).doesNotHaveDuplicates();
        }
    }

    @Provide
    Arbitrary<ZoneId> dstZones() {
        return Arbitraries.of("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago").map(ZoneId::of);
    }

    @Provide
    Arbitrary<Instant> dstDays() {
        return Arbitraries.of("2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z", "2026-03-08T07:00:00Z", "2026-11-01T06:00:00Z",
                "2026-04-04T15:00:00Z", "2026-10-03T15:30:00Z").map(Instant::parse);
    }
}
