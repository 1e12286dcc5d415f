package io.snapferry.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.dataset.ErrorCode;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class RetentionParseTest {

    @ParameterizedTest
    @CsvSource({"2w, PT336H, 2w", "36h, PT36H, 36h", "1d, PT24H, 1d", "30m, PT30M, 30m", "1y, PT8760H, 1y",
        "' 90m ', PT1H30M, 90m", "48h, PT48H, 2d"})
    void parsesLifetimes(String text, Duration expected, String shown) {
        RetentionPolicy.Lifetime l = RetentionPolicy.Lifetime.parse(text);
        assertThat(l.lifetime()).isEqualTo(expected);
        assertThat(l.describe()).isEqualTo("lifetime " + shown);
    }

    static Stream<Arguments> badLifetimes() {
        return Stream.of(
                Arguments.of("", "lifetime is empty"),
                Arguments.of("2", "has no unit"),
                Arguments.of("2x", "unknown unit 'x'"),
                Arguments.of("2 weeks", "unknown unit 'weeks'"),
                Arguments.of("0h", "must be longer than zero"),
                Arguments.of("w", "is not a number followed by a unit"),
                Arguments.of("-1d", "is not a number followed by a unit"),
                Arguments.of("1001y", "is longer than 1000 years"));
    }

    @ParameterizedTest
    @MethodSource("badLifetimes")
    void refusesBadLifetimes(String text, String message) {
        assertThatThrownBy(() -> RetentionPolicy.Lifetime.parse(text))
                .isInstanceOf(InvalidRetentionException.class).hasMessageContaining(message)
                .satisfies(e -> assertThat(((InvalidRetentionException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }

    @Test
    void parsesKeepCounts() {
        ZoneId zone = ZoneId.of("Europe/Berlin");
        assertThat(RetentionPolicy.KeepCounts.parse("last=3,hourly=24,daily=14", zone))
                .isEqualTo(new RetentionPolicy.KeepCounts(3, 24, 14, 0, 0, 0, zone));
        assertThat(RetentionPolicy.KeepCounts.parse(" keep-last = 1 , keep-weekly=4,monthly=6, yearly=2", ZoneOffset.UTC))
                .isEqualTo(new RetentionPolicy.KeepCounts(1, 0, 0, 4, 6, 2, ZoneOffset.UTC));
        assertThat(RetentionPolicy.KeepCounts.parse("last=3,daily=14", zone).describe()).isEqualTo("keep last=3,daily=14");
    }

    static Stream<Arguments> badKeepCounts() {
        return Stream.of(
                Arguments.of("", "keep counts are empty"),
                Arguments.of("foo=1", "unknown key 'foo'"),
                Arguments.of("last", "'last' is not KEY=N"),
                Arguments.of("last=-1", "must be a whole number"),
                Arguments.of("last=x", "must be a whole number from 0 to 999999, not 'x'"),
                Arguments.of("last=1,last=2", "'last' is given twice"),
                Arguments.of("last=3,,daily=1", "'' is not KEY=N"));
    }

    @ParameterizedTest
    @MethodSource("badKeepCounts")
    void refusesBadKeepCounts(String text, String message) {
        assertThatThrownBy(() -> RetentionPolicy.KeepCounts.parse(text, ZoneOffset.UTC))
                .isInstanceOf(InvalidRetentionException.class).hasMessageContaining(message);
    }

    @Test
    void parsesGrids() {
        RetentionPolicy.Grid g = RetentionPolicy.Grid.parse("1x1h(keep=all) | 24x1h | 14x1d");
        assertThat(g.intervals()).hasSize(39);
        assertThat(g.intervals().get(0)).isEqualTo(new RetentionPolicy.GridInterval(Duration.ofHours(1), -1));
        assertThat(g.intervals().get(1)).isEqualTo(new RetentionPolicy.GridInterval(Duration.ofHours(1), 1));
        assertThat(g.intervals().get(38)).isEqualTo(new RetentionPolicy.GridInterval(Duration.ofDays(1), 1));
        assertThat(RetentionPolicy.Grid.parse("2 x 30m ( keep = 3 )").intervals())
                .containsExactly(new RetentionPolicy.GridInterval(Duration.ofMinutes(30), 3),
                        new RetentionPolicy.GridInterval(Duration.ofMinutes(30), 3));
        // shorter intervals may follow when everything before keeps all (as zrepl)
        assertThat(RetentionPolicy.Grid.parse("1x1h(keep=all) | 4x15m").intervals()).hasSize(5);
    }

    static Stream<Arguments> badGrids() {
        return Stream.of(
                Arguments.of("", "the retention grid is empty"),
                Arguments.of("24h", "part 1 '24h': expected COUNTxDURATION"),
                Arguments.of("24x1h |", "part 2 '': expected COUNTxDURATION"),
                Arguments.of("0x1h", "the count must be at least 1"),
                Arguments.of("1x1h(keep=0)", "keep must be a positive number or all, not 0"),
                Arguments.of("1x1h(kep=1)", "the option must be keep=N or keep=all, not 'kep=1'"),
                Arguments.of("1x1d | 1x1h", "interval lengths must not decrease (1h follows 1d)"),
                Arguments.of("1x1q", "unknown unit 'q'"),
                Arguments.of("1x0h", "must be longer than zero"),
                Arguments.of("10001x1m", "a grid has at most 10000 intervals"),
                Arguments.of("2x600y", "the grid reaches back more than 1000 years"));
    }

    @ParameterizedTest
    @MethodSource("badGrids")
    void refusesBadGrids(String text, String message) {
        assertThatThrownBy(() -> RetentionPolicy.Grid.parse(text))
                .isInstanceOf(InvalidRetentionException.class).hasMessageContaining(message);
    }

    @Test
    void refusesBadRegex() {
        assertThatThrownBy(() -> RetentionPolicy.KeepMatching.of("auto-(", false))
                .isInstanceOf(InvalidRetentionException.class).hasMessageContaining("invalid regular expression 'auto-('");
    }
}
