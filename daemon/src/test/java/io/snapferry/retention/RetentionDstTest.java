package io.snapferry.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.naming.NameChoice;
import io.snapferry.naming.NamingSchema;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Retention over names taken every 15 minutes across the autumn change in Europe/Berlin. */
class RetentionDstTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static List<RetentionCandidate> takeEvery15Minutes(NamingSchema schema) {
        Set<String> existing = new HashSet<>();
        List<RetentionCandidate> out = new ArrayList<>();
        long txg = 100;
        for (Instant t = Instant.parse("2026-10-24T23:00:00Z"); !t.isAfter(Instant.parse("2026-10-25T03:00:00Z"));
             t = t.plus(Duration.ofMinutes(15))) {
            NameChoice c = schema.nameFor(t, BERLIN, existing);
            if (c instanceof NameChoice.Fresh f) {
                existing.add(f.name());
                Instant parsed = schema.parse(f.name(), BERLIN).orElseThrow();
                out.add(new RetentionCandidate(Fixtures.DATASET.snapshot(f.name()), txg, Optional.of(parsed), txg++, 0, List.of(),
                        Optional.of(schema.text())));
            }
        }
        return out;
    }

    @Test
    void namesWithoutOffsetInTheRepeatedHourReadAsTheFirstPassAndExpireDeterministically() {
        NamingSchema plain = NamingSchema.parse("auto-%Y-%m-%d_%H-%M");
        List<RetentionCandidate> in = takeEvery15Minutes(plain);
        assertThat(in).hasSize(13);
        Instant now = Instant.parse("2026-10-25T01:50:00Z");
        RetentionPolicy p = RetentionPolicy.Lifetime.parse("90m");
        RetentionPlan plan = RetentionEngine.plan(in, p, now);
        // 02:15 was taken (and reads) as 00:15Z: 00:15Z + 90m < 01:50Z
        assertThat(Fixtures.destroyed(plan)).containsExactly("auto-2026-10-25_01-00", "auto-2026-10-25_01-15",
                "auto-2026-10-25_01-30", "auto-2026-10-25_01-45", "auto-2026-10-25_02-00", "auto-2026-10-25_02-15");
        List<RetentionCandidate> shuffled = new ArrayList<>(in);
        Collections.shuffle(shuffled, new Random(7));
        assertThat(Fixtures.destroyed(RetentionEngine.plan(shuffled, p, now)))
                .containsExactlyInAnyOrderElementsOf(Fixtures.destroyed(plan));
    }

    @Test
    void withOffsetBothPassesAreDistinctSnapshotsForTheGrid() {
        NamingSchema zoned = NamingSchema.parse("auto-%Y-%m-%d_%H-%M%z");
        List<RetentionCandidate> in = takeEvery15Minutes(zoned);
        assertThat(in).hasSize(17);
        Instant now = Instant.parse("2026-10-25T03:00:00Z");
        RetentionPlan plan = RetentionEngine.plan(in, RetentionPolicy.Grid.parse("4x1h"), now);
        // one per real hour: the oldest of (23:00Z, 00:00Z], (00:00Z, 01:00Z], (01:00Z, 02:00Z], (02:00Z, 03:00Z], plus the newest
        assertThat(Fixtures.kept(plan)).containsExactly("auto-2026-10-25_01-15+0200", "auto-2026-10-25_02-15+0200",
                "auto-2026-10-25_02-15+0100", "auto-2026-10-25_03-15+0100", "auto-2026-10-25_04-00+0100");
        // 23:00Z is the grid's oldest edge, outside it
        assertThat(Fixtures.destroyed(plan)).contains("auto-2026-10-25_01-00+0200").hasSize(12);
    }

    @Test
    void keepHourlyCountsTheRepeatedWallClockHourOnce() {
        NamingSchema zoned = NamingSchema.parse("auto-%Y-%m-%d_%H-%M%z");
        List<RetentionCandidate> in = takeEvery15Minutes(zoned);
        RetentionPlan plan = RetentionEngine.plan(in, RetentionPolicy.KeepCounts.parse("hourly=10", BERLIN),
                Instant.parse("2026-10-25T03:00:00Z"));
        // wall-clock hours 01, 02 (both passes), 03, 04: the newest of each
        assertThat(Fixtures.kept(plan)).containsExactly("auto-2026-10-25_01-45+0200", "auto-2026-10-25_02-45+0100",
                "auto-2026-10-25_03-45+0100", "auto-2026-10-25_04-00+0100");
    }
}
