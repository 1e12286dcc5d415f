package io.snapferry.web.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.web.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final LoginThrottle throttle = new LoginThrottle(clock);

    @Test
    void fourFailuresAreFreeTheFifthLocksAndEachFurtherOneDoubles() {
        for (int i = 0; i < LoginThrottle.FREE_FAILURES; i++) {
            throttle.failure("10.0.0.1", "admin");
            assertThat(throttle.lockedFor("10.0.0.1", "admin")).isEmpty();
        }
        throttle.failure("10.0.0.1", "admin");
        assertThat(throttle.lockedFor("10.0.0.1", "admin")).contains(Duration.ofSeconds(30));
        clock.advance(Duration.ofSeconds(29));
        assertThat(throttle.lockedFor("10.0.0.1", "admin")).contains(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertThat(throttle.lockedFor("10.0.0.1", "admin")).isEmpty();
        throttle.failure("10.0.0.1", "admin");
        assertThat(throttle.lockedFor("10.0.0.1", "admin")).contains(Duration.ofSeconds(60));
        clock.advance(Duration.ofSeconds(60));
        throttle.failure("10.0.0.1", "admin");
        assertThat(throttle.lockedFor("10.0.0.1", "admin")).contains(Duration.ofSeconds(120));
    }

    @Test
    void theLockIsCappedAtOneHour() {
        for (int i = 0; i < 30; i++) {
            throttle.failure("10.0.0.1", "admin");
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(throttle.lockedFor("10.0.0.1", "admin").orElseThrow()).isLessThanOrEqualTo(LoginThrottle.MAX_LOCK);
        assertThat(throttle.lockedFor("10.0.0.1", "admin").orElseThrow()).isGreaterThan(Duration.ofMinutes(59));
    }

    @Test
    void addressAndUsernameCountSeparately() {
        for (int i = 0; i < 5; i++) {
            throttle.failure("10.0.0.1", "user" + i);
        }
        assertThat(throttle.lockedFor("10.0.0.1", "someone-else")).isPresent();
        assertThat(throttle.lockedFor("10.0.0.2", "user0")).isEmpty();

        for (int i = 0; i < 5; i++) {
            throttle.failure("10.1.0." + i, "admin");
        }
        assertThat(throttle.lockedFor("10.9.9.9", "admin")).isPresent();
        assertThat(throttle.lockedFor("10.9.9.9", "ADMIN")).as("names are compared without case").isPresent();
        assertThat(throttle.lockedFor("10.9.9.9", "other")).isEmpty();
    }

    @Test
    void successClearsAndOldFailuresAreForgotten() {
        for (int i = 0; i < 4; i++) {
            throttle.failure("10.0.0.1", "admin");
        }
        throttle.success("10.0.0.1", "admin");
        throttle.failure("10.0.0.1", "admin");
        assertThat(throttle.lockedFor("10.0.0.1", "admin")).isEmpty();

        for (int i = 0; i < 3; i++) {
            throttle.failure("10.0.0.1", "admin");
        }
        clock.advance(LoginThrottle.FORGET);
        throttle.failure("10.0.0.1", "admin");
        assertThat(throttle.lockedFor("10.0.0.1", "admin")).as("the count restarted").isEmpty();
    }
}
