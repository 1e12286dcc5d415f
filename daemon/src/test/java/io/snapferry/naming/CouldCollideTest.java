package io.snapferry.naming;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CouldCollideTest {

    static Stream<Arguments> pairs() {
        return Stream.of(
                // identical schemas collide
                Arguments.of("auto-%Y-%m-%d_%H-%M", "auto-%Y-%m-%d_%H-%M", true),
                // fixed lengths differ (21 and 24 characters): no name fits both
                Arguments.of("auto-%Y-%m-%d_%H-%M", "auto-%Y-%m-%d_%H-%M-%S", false),
                Arguments.of("auto-%Y-%m-%d_%H-%M", "hourly-%Y-%m-%d_%H-%M", false),
                Arguments.of("auto-%Y-%m-%d_%H-%M", "auto-%Y-%m-%d_%H-%M%z", false),
                // day and month swapped: 2026-01-01 reads both ways
                Arguments.of("auto-%Y-%m-%d_%H-%M", "auto-%Y-%d-%m_%H-%M", true),
                // epoch digits swallow any all-digit date
                Arguments.of("snap-%s", "snap-%Y%m%d%H%M", true),
                Arguments.of("snap-%s", "snap-%Y-%m-%d_%H-%M", false),
                Arguments.of("snap-%s", "snap-%s", true),
                Arguments.of("a-%Y%m%d%H%M", "a-%Y%m%d%H%M%S", false),
                Arguments.of("x-%Y-%m-%d_%H%M", "x-%Y-%m-%d_%H-%M", false),
                Arguments.of("a-%H%M-%Y%m%d", "a-%Y%m%d-%H%M", false),
                // same length, fields at shifted places: HHMM can be read as a month and day
                Arguments.of("t-%m%d-%Y_%H-%M", "t-%H%M-%Y_%m-%d", true),
                // would collide digit for digit, but the first name's month would be 00: field ranges tell them apart
                Arguments.of("x00%m-%Y-%d_%H-%M", "x%m00-%Y-%d_%H-%M", false),
                // hour and minute swapped: 10:10 reads both ways
                Arguments.of("p-%Y%m%d%H%M", "p-%Y%m%d%M%H", true),
                // an optional-looking literal does not help: 'Z' against a digit
                Arguments.of("a-%Y-%m-%d_%H-%MZ", "a-%Y-%m-%d_%H-%M%S", false),
                // %s (1+ digits) against a schema with a digit literal after the minutes
                Arguments.of("b-%s", "b-%Y%m%d%H%M0", true));
    }

    @ParameterizedTest
    @MethodSource("pairs")
    void decidesWhetherTwoSchemasCanShareAName(String a, String b, boolean collide) {
        NamingSchema sa = NamingSchema.parse(a);
        NamingSchema sb = NamingSchema.parse(b);
        assertThat(NamingSchema.couldCollide(sa, sb)).isEqualTo(collide);
        assertThat(NamingSchema.couldCollide(sb, sa)).isEqualTo(collide);
        Optional<String> example = NamingSchema.collisionExample(sa, sb);
        if (collide) {
            // the witness is a real name both schemas parse
            assertThat(example).hasValueSatisfying(n -> {
                assertThat(sa.matches(n)).as(n).isTrue();
                assertThat(sb.matches(n)).as(n).isTrue();
            });
        } else {
            assertThat(example).isEmpty();
        }
    }
}
