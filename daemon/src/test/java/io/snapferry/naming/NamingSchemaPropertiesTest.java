package io.snapferry.naming;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.dataset.SnapshotName;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class NamingSchemaPropertiesTest {
    private static final List<String> ZONES = List.of("UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
            "Asia/Kolkata", "America/Sao_Paulo", "Pacific/Chatham");

    @Provide
    Arbitrary<NamingSchema> schemas() {
        Arbitrary<String> literal = Arbitraries.strings().withChars("abcXYZ09_.:+-").ofMinLength(0).ofMaxLength(3);
        Arbitrary<List<String>> fields = Arbitraries.of(true, false).flatMap(seconds -> Arbitraries.of(true, false).map(offset -> {
            List<String> f = new ArrayList<>(List.of("%Y", "%m", "%d", "%H", "%M"));
            if (seconds) {
                f.add("%S");
            }
            if (offset) {
                f.add("%z");
            }
            return f;
        }));
        Arbitrary<NamingSchema> dated = Combinators.combine(fields, Arbitraries.randoms(), literal.list().ofSize(8))
                .as((f, random, lits) -> {
                    List<String> order = new ArrayList<>(f);
                    Collections.shuffle(order, random);
                    StringBuilder b = new StringBuilder("s");
                    for (int i = 0; i < order.size(); i++) {
                        b.append(order.get(i)).append(lits.get(i));
                    }
                    return NamingSchema.parse(b.toString());
                });
        Arbitrary<NamingSchema> epoch = literal.map(l -> NamingSchema.parse("e" + l + "%s"));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, dated), net.jqwik.api.Tuple.of(1, epoch));
    }

    @Provide
    Arbitrary<Instant> instants() {
        return Arbitraries.longs().between(Instant.parse("1971-01-01T00:00:00Z").getEpochSecond(),
                Instant.parse("2100-01-01T00:00:00Z").getEpochSecond()).map(Instant::ofEpochSecond);
    }

    @Provide
    Arbitrary<ZoneId> zones() {
        return Arbitraries.of(ZONES).map(ZoneId::of);
    }

    @Property(tries = 2000)
    void formatThenParseGivesTheTimeBack(@ForAll("schemas") NamingSchema schema, @ForAll("instants") Instant t,
                                         @ForAll("zones") ZoneId zone) {
        ZonedDateTime at = t.atZone(zone);
        String name = schema.format(at);
        assertThat(SnapshotName.problem(name)).as(name).isNull();
        assertThat(schema.matches(name)).isTrue();
        Instant expected;
        if (schema.isEpoch()) {
            expected = t;
        } else {
            ZonedDateTime truncated = at.truncatedTo(schema.hasSeconds() ? ChronoUnit.SECONDS : ChronoUnit.MINUTES);
            expected = schema.hasOffset() ? truncated.toInstant()
                    // without %z a repeated wall-clock time reads as its first occurrence
                    : ZonedDateTime.ofLocal(truncated.toLocalDateTime(), zone, null).toInstant();
        }
        assertThat(schema.parse(name, zone)).as(name).contains(expected);
        if (!schema.hasOffset() && !schema.isEpoch() && !NamingSchema.inLaterOffsetOfOverlap(at)) {
            assertThat(expected).isEqualTo(at.truncatedTo(schema.hasSeconds() ? ChronoUnit.SECONDS : ChronoUnit.MINUTES).toInstant());
        }
    }

    @Property(tries = 300)
    void aSchemaAlwaysCollidesWithItselfAndTheWitnessParses(@ForAll("schemas") NamingSchema a, @ForAll("schemas") NamingSchema b) {
        assertThat(NamingSchema.couldCollide(a, a)).isTrue();
        NamingSchema.collisionExample(a, b).ifPresent(n -> {
            assertThat(a.pattern().matcher(n).matches()).as(n).isTrue();
            assertThat(b.pattern().matcher(n).matches()).as(n).isTrue();
        });
    }

    @Property(tries = 300)
    void aNameOfOneSchemaThatTheOtherParsesMeansTheyCollide(@ForAll("schemas") NamingSchema a, @ForAll("schemas") NamingSchema b,
                                                             @ForAll("instants") Instant t) {
        String name = a.format(t.atZone(ZoneId.of("UTC")));
        if (b.matches(name)) {
            assertThat(NamingSchema.couldCollide(a, b)).as(a + " / " + b + " / " + name).isTrue();
        }
    }

    @Property(tries = 200)
    void localTimesWithoutOffsetParseDeterministically(@ForAll("instants") Instant t, @ForAll("zones") ZoneId zone) {
        NamingSchema s = NamingSchema.parse("auto-%Y-%m-%d_%H-%M");
        LocalDateTime local = LocalDateTime.ofInstant(t, zone).truncatedTo(ChronoUnit.MINUTES);
        String name = s.format(local.atZone(zone));
        assertThat(s.parse(name, zone)).isEqualTo(s.parse(name, zone)).isPresent();
    }
}
