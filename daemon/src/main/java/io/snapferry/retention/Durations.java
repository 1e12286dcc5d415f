package io.snapferry.retention;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints the short durations used by retention rules: {@code 30m}, {@code 36h}, {@code 1d}, {@code 2w}, {@code 1y}. */
final class Durations {
    private static final Pattern SHORT = Pattern.compile("\\s*([0-9]{1,9})\\s*([a-zA-Z]*)\\s*");
    /** The longest duration a rule may use, so that time arithmetic never overflows. */
    static final Duration MAX = Duration.ofDays(365L * 1000);
    static final String UNITS = "m (minutes), h (hours), d (days), w (weeks) or y (365 days)";

    private Durations() {
    }

    /** @param what names the setting in the error message, e.g. "lifetime" */
    static Duration parse(String text, String what) {
        if (text == null || text.isBlank()) {
            throw new InvalidRetentionException(what + " is empty: write a number and a unit, e.g. 2w; units: " + UNITS);
        }
        Matcher m = SHORT.matcher(text);
        if (!m.matches()) {
            throw new InvalidRetentionException(what + " '" + text.strip() + "' is not a number followed by a unit, e.g. 2w; units: "
                    + UNITS);
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2);
        if (unit.isEmpty()) {
            throw new InvalidRetentionException(what + " '" + text.strip() + "' has no unit; units: " + UNITS);
        }
        Duration d = switch (unit) {
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            case "w" -> Duration.ofDays(7 * n);
            case "y" -> Duration.ofDays(365 * n);
            default -> throw new InvalidRetentionException(what + " '" + text.strip() + "' has the unknown unit '" + unit
                    + "'; units: " + UNITS);
        };
        if (d.isZero()) {
            throw new InvalidRetentionException(what + " '" + text.strip() + "' must be longer than zero");
        }
        if (d.compareTo(MAX) > 0) {
            throw new InvalidRetentionException(what + " '" + text.strip() + "' is longer than 1000 years");
        }
        return d;
    }

    /** The shortest exact form: 2w, 36h, 90m; falls back to ISO-8601 for odd durations. */
    static String format(Duration d) {
        long s = d.getSeconds();
        if (d.getNano() != 0 || s <= 0 || s % 60 != 0) {
            return d.toString();
        }
        long min = s / 60;
        if (min % (365L * 24 * 60) == 0) {
            return min / (365L * 24 * 60) + "y";
        }
        if (min % (7L * 24 * 60) == 0) {
            return min / (7L * 24 * 60) + "w";
        }
        if (min % (24L * 60) == 0) {
            return min / (24L * 60) + "d";
        }
        if (min % 60 == 0) {
            return min / 60 + "h";
        }
        return min + "m";
    }
}
