package io.snapferry.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class SyncWindowTest {
    // 2026-11-20 is a Friday.
    @Test
    void wrappingWindowBelongsToTheDayItBegins() {
        SyncWindow w = SyncWindow.parse("Mon-Fri 22:00-06:00");
        assertThat(w.allows(Instant.parse("2026-11-20T23:00:00Z"), ZoneOffset.UTC)).isTrue();
        assertThat(w.allows(Instant.parse("2026-11-21T05:59:00Z"), ZoneOffset.UTC)).as("Saturday morning, Friday's window").isTrue();
        assertThat(w.allows(Instant.parse("2026-11-21T23:00:00Z"), ZoneOffset.UTC)).as("Saturday night").isFalse();
        assertThat(w.allows(Instant.parse("2026-11-23T05:00:00Z"), ZoneOffset.UTC)).as("Monday morning, Sunday's window").isFalse();
        assertThat(w.allows(Instant.parse("2026-11-20T12:00:00Z"), ZoneOffset.UTC)).isFalse();
    }

    @Test
    void nextOpeningWaitsForTheWindow() {
        SyncWindow w = SyncWindow.parse("Sat,Sun 01:00-02:00");
        assertThat(w.nextOpening(Instant.parse("2026-11-20T12:00:30Z"), ZoneOffset.UTC))
                .contains(Instant.parse("2026-11-21T01:00:00Z"));
        assertThat(SyncWindow.parse("10:00-11:00").nextOpening(Instant.parse("2026-11-20T10:30:00Z"), ZoneOffset.UTC))
                .contains(Instant.parse("2026-11-20T10:30:00Z"));
    }

    @Test
    void badWindowsAreRefusedClearly() {
        assertThatThrownBy(() -> SyncWindow.parse("Funday 10:00-11:00")).hasMessageContaining("unknown day 'Funday'");
        assertThatThrownBy(() -> SyncWindow.parse("Mon 10:00")).hasMessageContaining("time range");
        assertThatThrownBy(() -> SyncWindow.parse("Mon 25:00-26:00")).hasMessageContaining("HH:MM");
    }
}
