package io.snapferry.schedule;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * When a replication may start: days of the week and a time of day window, written like
 * {@code "Mon-Fri 22:00-06:00"}, {@code "Sat,Sun 00:00-23:59"} or {@code "22:00-06:00"} (every
 * day). A window that wraps past midnight belongs to the day it begins on: "Fri 22:00-06:00"
 * lets a run start on Friday night and early Saturday morning.
 */
public record SyncWindow(Set<DayOfWeek> days, TimeWindow window, String text) {
    private static final String[] NAMES = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

    public SyncWindow {
        days = Set.copyOf(days);
    }

    public static SyncWindow parse(String text) {
        String t = text.trim();
        String[] parts = t.split("\\s+");
        if (parts.length < 1 || parts.length > 2) {
            throw new InvalidScheduleException("sync window '" + text + "' must look like 'Mon-Fri 22:00-06:00'");
        }
        Set<DayOfWeek> days = parts.length == 2 ? days(parts[0], text) : EnumSet.allOf(DayOfWeek.class);
        String[] times = parts[parts.length - 1].split("-");
        if (times.length != 2) {
            throw new InvalidScheduleException("sync window '" + text + "' needs a time range such as 22:00-06:00");
        }
        try {
            return new SyncWindow(days, new TimeWindow(LocalTime.parse(times[0]), LocalTime.parse(times[1])), t);
        } catch (DateTimeParseException e) {
            throw new InvalidScheduleException("sync window '" + text + "': times must be HH:MM");
        }
    }

    private static Set<DayOfWeek> days(String spec, String text) {
        Set<DayOfWeek> out = EnumSet.noneOf(DayOfWeek.class);
        for (String item : spec.split(",")) {
            String[] range = item.split("-");
            if (range.length > 2) {
                throw new InvalidScheduleException("sync window '" + text + "': bad day range '" + item + "'");
            }
            DayOfWeek from = day(range[0], text);
            DayOfWeek to = range.length == 2 ? day(range[1], text) : from;
            for (DayOfWeek d = from; ; d = d.plus(1)) {
                out.add(d);
                if (d == to) {
                    break;
                }
            }
        }
        return out;
    }

    private static DayOfWeek day(String name, String text) {
        String n = name.toLowerCase(Locale.ROOT);
        for (int i = 0; i < NAMES.length; i++) {
            if (n.startsWith(NAMES[i]) && n.length() >= 3) {
                return DayOfWeek.of(i + 1);
            }
        }
        throw new InvalidScheduleException("sync window '" + text + "': unknown day '" + name + "' (use Mon, Tue, ... Sun)");
    }

    /** True when a run may start at {@code time}. */
    public boolean allows(Instant time, ZoneId zone) {
        ZonedDateTime z = time.atZone(zone);
        LocalTime t = z.toLocalTime();
        if (!window.contains(t)) {
            return false;
        }
        DayOfWeek startDay = window.wraps() && t.isBefore(window.begin()) ? z.getDayOfWeek().minus(1) : z.getDayOfWeek();
        return days.contains(startDay);
    }

    /** The first minute at or after {@code from} when a run may start; empty only for an impossible window. */
    public Optional<Instant> nextOpening(Instant from, ZoneId zone) {
        Instant t = from.truncatedTo(ChronoUnit.MINUTES);
        if (t.isBefore(from)) {
            t = t.plus(1, ChronoUnit.MINUTES);
        }
        for (int i = 0; i < 8 * 24 * 60; i++) {
            if (allows(t, zone)) {
                return Optional.of(t);
            }
            t = t.plus(1, ChronoUnit.MINUTES);
        }
        return Optional.empty();
    }
}
