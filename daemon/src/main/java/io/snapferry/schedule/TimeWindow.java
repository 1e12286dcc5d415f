package io.snapferry.schedule;

import java.time.LocalTime;
import java.util.Objects;

/**
 * A time-of-day window, both ends inclusive (as TrueNAS's begin/end). When {@code begin} is after
 * {@code end} the window wraps past midnight: begin 22:00, end 06:00 allows 22:00..23:59 and
 * 00:00..06:00. {@code begin == end} allows only that exact time.
 */
public record TimeWindow(LocalTime begin, LocalTime end) {
    /** The whole day. */
    public static final TimeWindow ALWAYS = new TimeWindow(LocalTime.MIDNIGHT, LocalTime.MAX);

    public TimeWindow {
        Objects.requireNonNull(begin, "begin");
        Objects.requireNonNull(end, "end");
    }

    /** True when the window goes past midnight. */
    public boolean wraps() {
        return begin.isAfter(end);
    }

    /** True when the wall-clock time {@code t} lies inside the window. */
    public boolean contains(LocalTime t) {
        if (!wraps()) {
            return !t.isBefore(begin) && !t.isAfter(end);
        }
        return !t.isBefore(begin) || !t.isAfter(end);
    }

    @Override
    public String toString() {
        return begin + "-" + end;
    }
}
