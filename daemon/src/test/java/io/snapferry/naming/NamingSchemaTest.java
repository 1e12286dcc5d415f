package io.snapferry.naming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.SnapshotName;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class NamingSchemaTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @ParameterizedTest
    @ValueSource(strings = {"auto-%Y-%m-%d_%H-%M", "%s", "snap-%s", "auto-%Y%m%d.%H%M%S%z", "a:%Y+%m-%d_%H.%M",
        "%Y-%m-%d_%H-%M", "x%M%H%d%m%Y"})
    void acceptsValidSchemas(String text) {
        NamingSchema s = NamingSchema.parse(text);
        assertThat(s.text()).isEqualTo(text);
        assertThat(s).isEqualTo(NamingSchema.parse(text)).hasSameHashCodeAs(NamingSchema.parse(text));
    }

    static Stream<Arguments> invalidSchemas() {
        return Stream.of(
                Arguments.of("auto-%Y-%m", "naming schema 'auto-%Y-%m' lacks %d, %H and %M"),
                Arguments.of("nothing", "naming schema 'nothing' lacks %Y, %m, %d, %H and %M"),
                Arguments.of("auto-%Y-%m-%d_%H", "lacks %M"),
                Arguments.of("auto-%Y-%m-%d_%H-%M-%q", "unknown conversion %q"),
                Arguments.of("auto %Y-%m-%d_%H-%M", "contains ' ' at position 5"),
                Arguments.of("auto@%Y-%m-%d_%H-%M", "contains '@' at position 5"),
                Arguments.of("auto/%Y-%m-%d_%H-%M", "contains '/'"),
                Arguments.of("", "the naming schema is empty"),
                Arguments.of("a-%Y-%m-%d_%H-%M%%", "'%%' would put a '%' into snapshot names"),
                Arguments.of("a-%Y-%m-%d_%H-%M%", "ends with a lone '%'"),
                Arguments.of("%s-%Y", "mixes %s with %Y"),
                Arguments.of("a-%Y-%Y-%m-%d_%H-%M", "uses %Y more than once"),
                Arguments.of("%z-%Y-%m-%d_%H-%M", "starts with %z"),
                Arguments.of("-%Y-%m-%d_%H-%M", "starts with '-'"),
                Arguments.of("x".repeat(190) + "%Y-%m-%d_%H-%M", "the limit is 200"));
    }

    @ParameterizedTest
    @MethodSource("invalidSchemas")
    void refusesInvalidSchemasSayingWhatIsWrong(String text, String message) {
        assertThatThrownBy(() -> NamingSchema.parse(text))
                .isInstanceOf(InvalidSchemaException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((InvalidSchemaException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }

    @Test
    void refusesNull() {
        assertThatThrownBy(() -> NamingSchema.parse(null)).isInstanceOf(InvalidSchemaException.class);
    }

    static Stream<Arguments> formats() {
        ZonedDateTime utc = ZonedDateTime.of(2026, 11, 22, 9, 5, 7, 0, ZoneOffset.UTC);
        return Stream.of(
                Arguments.of("auto-%Y-%m-%d_%H-%M", utc, "auto-2026-11-22_09-05"),
                Arguments.of("auto-%Y-%m-%d_%H-%M-%S", utc, "auto-2026-11-22_09-05-07"),
                Arguments.of("auto-%Y%m%d.%H%M%z", utc.withZoneSameInstant(BERLIN), "auto-20261122.1005+0100"),
                Arguments.of("auto-%Y%m%d.%H%M%z", utc.withZoneSameInstant(ZoneId.of("America/New_York")),
                        "auto-20261122.0405-0500"),
                Arguments.of("auto-%Y%m%d.%H%M%z", utc.withZoneSameInstant(ZoneId.of("Asia/Kolkata")),
                        "auto-20261122.1435+0530"),
                Arguments.of("e-%s", utc, "e-" + utc.toEpochSecond()),
                Arguments.of("x%M%H%d%m%Y", utc, "x0509221120" + "26"));
    }

    @ParameterizedTest
    @MethodSource("formats")
    void formatsAndParsesBack(String schema, ZonedDateTime time, String name) {
        NamingSchema s = NamingSchema.parse(schema);
        assertThat(s.format(time)).isEqualTo(name);
        assertThat(SnapshotName.problem(name)).isNull();
        assertThat(s.matches(name)).isTrue();
        Instant expected = s.hasSeconds() ? time.toInstant() : time.toInstant().minusSeconds(time.getSecond());
        assertThat(s.parse(name, time.getZone())).contains(expected);
    }

    @Test
    void refusesToFormatWhatTheSchemaCannotHold() {
        assertThatThrownBy(() -> NamingSchema.parse("e-%s").format(ZonedDateTime.of(1969, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("before 1970");
        assertThatThrownBy(() -> NamingSchema.parse("auto-%Y-%m-%d_%H-%M")
                .format(ZonedDateTime.of(10000, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("year 10000");
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto-2026-13-01_00-00", "auto-2026-02-30_00-00", "auto-2026-01-01_24-00", "auto-2026-01-01_00-60",
        "auto-2026-01-01_00-00x", "hourly-2026-01-01_00-00", "auto-2026-1-01_00-00", "autosnap_2026-01-01_00:00:00_hourly", ""})
    void doesNotParseOtherNames(String name) {
        NamingSchema s = NamingSchema.parse("auto-%Y-%m-%d_%H-%M");
        assertThat(s.parse(name, ZoneOffset.UTC)).isEmpty();
        assertThat(s.matches(name)).isFalse();
    }

    @Test
    void offsetInTheNameWinsOverTheZone() {
        NamingSchema s = NamingSchema.parse("a-%Y-%m-%d_%H-%M%z");
        assertThat(s.parse("a-2026-01-01_12-00+0530", BERLIN)).contains(Instant.parse("2026-01-01T06:30:00Z"));
        assertThat(s.parse("a-2026-01-01_12-00-0100", ZoneOffset.UTC)).contains(Instant.parse("2026-01-01T13:00:00Z"));
        assertThat(s.parse("a-2026-01-01_12-00+1900", ZoneOffset.UTC)).isEmpty();
        assertThat(s.parse("a-2026-01-01_12-00+0160", ZoneOffset.UTC)).isEmpty();
        assertThat(s.parse(null, ZoneOffset.UTC)).isEmpty();
    }

    @Test
    void epochSchemaIgnoresTheZone() {
        NamingSchema s = NamingSchema.parse("snap-%s");
        assertThat(s.parse("snap-1700000000", BERLIN)).contains(Instant.ofEpochSecond(1_700_000_000L));
        assertThat(s.parse("snap-99999999999999999999", BERLIN)).isEmpty();
        assertThat(s.isEpoch()).isTrue();
        assertThat(s.hasSeconds()).isTrue();
    }

    @Test
    void wallClockTimeInTheRepeatedHourMapsToTheEarlierOffset() {
        NamingSchema s = NamingSchema.parse("auto-%Y-%m-%d_%H-%M");
        // 2026-10-25 02:30 happens at 00:30Z (CEST) and 01:30Z (CET): the earlier is chosen
        assertThat(s.parse("auto-2026-10-25_02-30", BERLIN)).contains(Instant.parse("2026-10-25T00:30:00Z"));
        // 2026-03-29 02:30 does not exist: it is read as 03:30 CEST
        assertThat(s.parse("auto-2026-03-29_02-30", BERLIN)).contains(Instant.parse("2026-03-29T01:30:00Z"));
    }

    @Test
    void nameForRefusesAnExistingNameOutsideDstToo() {
        NamingSchema s = NamingSchema.parse("auto-%Y-%m-%d_%H-%M");
        Instant t = Instant.parse("2026-06-01T10:00:10Z");
        NameChoice first = s.nameFor(t, ZoneOffset.UTC, java.util.Set.of());
        assertThat(first).isEqualTo(new NameChoice.Fresh("auto-2026-06-01_10-00"));
        NameChoice again = s.nameFor(t.plusSeconds(30), ZoneOffset.UTC, java.util.Set.of(first.name()));
        assertThat(again).isInstanceOf(NameChoice.Taken.class);
        assertThat(((NameChoice.Taken) again).reason()).contains("already exists").contains("minute");
        assertThat(Optional.of(again.name())).contains("auto-2026-06-01_10-00");
    }
}
