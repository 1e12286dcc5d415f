package io.snapferry.naming;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Snapshots every 15 minutes across both daylight-saving changes in Europe/Berlin, with and without %z. */
class NamingDstTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final NamingSchema PLAIN = NamingSchema.parse("auto-%Y-%m-%d_%H-%M");
    private static final NamingSchema WITH_OFFSET = NamingSchema.parse("auto-%Y-%m-%d_%H-%M%z");

    /** Names chosen the way the snapshot task does: each run sees the names taken before it. */
    private record Run(List<Instant> times, List<NameChoice> choices) {
        List<String> fresh() {
            return choices.stream().filter(c -> c instanceof NameChoice.Fresh).map(NameChoice::name).toList();
        }

        List<NameChoice.Taken> taken() {
            return choices.stream().filter(c -> c instanceof NameChoice.Taken).map(c -> (NameChoice.Taken) c).toList();
        }
    }

    private static Run every15Minutes(NamingSchema schema, Instant from, Instant to) {
        Set<String> existing = new HashSet<>();
        List<Instant> times = new ArrayList<>();
        List<NameChoice> choices = new ArrayList<>();
        for (Instant t = from; !t.isAfter(to); t = t.plus(Duration.ofMinutes(15))) {
            NameChoice c = schema.nameFor(t, BERLIN, existing);
            if (c instanceof NameChoice.Fresh f) {
                existing.add(f.name());
            }
            times.add(t);
            choices.add(c);
        }
        return new Run(times, choices);
    }

    @Test
    void autumnWithOffsetNamesEveryRunUniquelyAndReadsItBack() {
        // 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00Z
        Run run = every15Minutes(WITH_OFFSET, Instant.parse("2026-10-24T23:00:00Z"), Instant.parse("2026-10-25T03:00:00Z"));
        assertThat(run.taken()).isEmpty();
        assertThat(run.fresh()).hasSize(17).doesNotHaveDuplicates()
                .contains("auto-2026-10-25_02-15+0200", "auto-2026-10-25_02-15+0100");
        for (int i = 0; i < run.times().size(); i++) {
            assertThat(WITH_OFFSET.parse(run.choices().get(i).name(), BERLIN)).contains(run.times().get(i));
        }
    }

    @Test
    void autumnWithoutOffsetSkipsTheSecondPassInsteadOfDuplicating() {
        Run run = every15Minutes(PLAIN, Instant.parse("2026-10-24T23:00:00Z"), Instant.parse("2026-10-25T03:00:00Z"));
        assertThat(run.fresh()).hasSize(13).doesNotHaveDuplicates();
        // the second 02:00, 02:15, 02:30, 02:45 (CET, 01:00Z..01:45Z) are refused, with the reason
        assertThat(run.taken()).extracting(NameChoice::name).containsExactly(
                "auto-2026-10-25_02-00", "auto-2026-10-25_02-15", "auto-2026-10-25_02-30", "auto-2026-10-25_02-45");
        assertThat(run.taken()).allSatisfy(t -> assertThat(t.reason()).contains("occurs twice").contains("add %z"));
        for (int i = 0; i < run.times().size(); i++) {
            if (run.choices().get(i) instanceof NameChoice.Fresh f) {
                // every name that exists reads back as the instant it was taken at
                assertThat(PLAIN.parse(f.name(), BERLIN)).contains(run.times().get(i));
            }
        }
    }

    @Test
    void springNamesEveryRunWithAndWithoutOffset() {
        // 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00Z; no wall-clock time 02:xx exists
        for (NamingSchema schema : List.of(PLAIN, WITH_OFFSET)) {
            Run run = every15Minutes(schema, Instant.parse("2026-03-28T23:00:00Z"), Instant.parse("2026-03-29T03:00:00Z"));
            assertThat(run.taken()).as(schema.text()).isEmpty();
            assertThat(run.fresh()).as(schema.text()).hasSize(17).doesNotHaveDuplicates()
                    .noneMatch(n -> n.contains("2026-03-29_02-"))
                    .contains(schema.hasOffset() ? "auto-2026-03-29_01-45+0100" : "auto-2026-03-29_01-45")
                    .contains(schema.hasOffset() ? "auto-2026-03-29_03-00+0200" : "auto-2026-03-29_03-00");
            for (int i = 0; i < run.times().size(); i++) {
                assertThat(schema.parse(run.choices().get(i).name(), BERLIN)).contains(run.times().get(i));
            }
        }
    }

    @Test
    void namesSortChronologicallyWithOffsetOnlyWithinOneOffset() {
        // documented limit: with %z, lexical order is not time order across the autumn change
        assertThat("auto-2026-10-25_02-15+0100").isLessThan("auto-2026-10-25_02-15+0200");
        assertThat(WITH_OFFSET.parse("auto-2026-10-25_02-15+0100", BERLIN).orElseThrow())
                .isAfter(WITH_OFFSET.parse("auto-2026-10-25_02-15+0200", BERLIN).orElseThrow());
    }
}
