package io.snapferry.retention;

import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A retention rule: which of a task's snapshots it keeps. Rules combine with {@link AnyOf}: a
 * snapshot is destroyed only if no rule keeps it. Whatever the rules say, the engine never destroys
 * held or protected snapshots, the newest snapshot of each schema, or snapshots that no schema of the
 * task made (see {@link RetentionEngine}).
 */
public sealed interface RetentionPolicy {

    /** A short text for reasons and the UI, e.g. {@code lifetime 2w}. */
    String describe();

    /**
     * TrueNAS lifetime: keeps a snapshot while {@code createdAt + lifetime >= now}, where
     * {@code createdAt} is read from its name.
     */
    record Lifetime(Duration lifetime) implements RetentionPolicy {
        public Lifetime {
            Objects.requireNonNull(lifetime, "lifetime");
            if (lifetime.isZero() || lifetime.isNegative()) {
                throw new InvalidRetentionException("lifetime must be longer than zero, not " + lifetime);
            }
        }

        /** Parses {@code 30m}, {@code 36h}, {@code 1d}, {@code 2w}, {@code 1y} (365 days). */
        public static Lifetime parse(String text) {
            return new Lifetime(Durations.parse(text, "lifetime"));
        }

        @Override
        public String describe() {
            return "lifetime " + Durations.format(lifetime);
        }
    }

    /**
     * Proxmox Backup Server keep counts, applied in the order last, hourly, daily, weekly, monthly,
     * yearly. Each keeps the newest snapshot of each of the N newest periods that contain a snapshot
     * not already decided on; periods that already hold a snapshot kept by an earlier option are
     * skipped and not counted. Periods are wall-clock hours, days, ISO weeks (Monday to Sunday),
     * months and years in {@code zone}. 0 turns an option off. Held and protected snapshots are not
     * counted (PBS's "protected").
     */
    record KeepCounts(int last, int hourly, int daily, int weekly, int monthly, int yearly, ZoneId zone)
            implements RetentionPolicy {
        private static final List<String> KEYS = List.of("last", "hourly", "daily", "weekly", "monthly", "yearly");

        public KeepCounts {
            Objects.requireNonNull(zone, "zone");
            int[] all = {last, hourly, daily, weekly, monthly, yearly};
            for (int i = 0; i < all.length; i++) {
                if (all[i] < 0) {
                    throw new InvalidRetentionException("keep-" + KEYS.get(i) + " must not be negative: " + all[i]);
                }
            }
        }

        /**
         * Parses {@code last=3,hourly=24,daily=14} (also with {@code keep-} prefixes, spaces around
         * commas and '='). Keys not given are 0.
         */
        public static KeepCounts parse(String text, ZoneId zone) {
            if (text == null || text.isBlank()) {
                throw new InvalidRetentionException("keep counts are empty: write e.g. last=3,hourly=24,daily=14");
            }
            Map<String, Integer> values = new LinkedHashMap<>();
            for (String part : text.split(",")) {
                String p = part.strip();
                int eq = p.indexOf('=');
                if (eq < 0) {
                    throw new InvalidRetentionException("keep counts '" + text.strip() + "': '" + p
                            + "' is not KEY=N; keys: " + String.join(", ", KEYS));
                }
                String key = p.substring(0, eq).strip();
                if (key.startsWith("keep-")) {
                    key = key.substring(5);
                }
                String value = p.substring(eq + 1).strip();
                if (!KEYS.contains(key)) {
                    throw new InvalidRetentionException("keep counts '" + text.strip() + "': unknown key '" + key
                            + "'; keys: " + String.join(", ", KEYS));
                }
                if (values.containsKey(key)) {
                    throw new InvalidRetentionException("keep counts '" + text.strip() + "': '" + key + "' is given twice");
                }
                if (!value.matches("[0-9]{1,6}")) {
                    throw new InvalidRetentionException("keep counts '" + text.strip() + "': the value of '" + key
                            + "' must be a whole number from 0 to 999999, not '" + value + "'");
                }
                values.put(key, Integer.parseInt(value));
            }
            return new KeepCounts(values.getOrDefault("last", 0), values.getOrDefault("hourly", 0),
                    values.getOrDefault("daily", 0), values.getOrDefault("weekly", 0),
                    values.getOrDefault("monthly", 0), values.getOrDefault("yearly", 0), zone);
        }

        int[] counts() {
            return new int[] {last, hourly, daily, weekly, monthly, yearly};
        }

        static List<String> keys() {
            return KEYS;
        }

        @Override
        public String describe() {
            List<String> parts = new ArrayList<>();
            int[] c = counts();
            for (int i = 0; i < c.length; i++) {
                if (c[i] > 0) {
                    parts.add(KEYS.get(i) + "=" + c[i]);
                }
            }
            return "keep " + (parts.isEmpty() ? "nothing" : String.join(",", parts));
        }
    }

    /**
     * zrepl's retention grid: adjacent intervals measured back from {@code now}, the newest first.
     * Interval i covers {@code (edge[i+1], edge[i]]}: its newer edge belongs to it, its older edge to
     * the next interval (zrepl's "left-inclusive, right-exclusive" with the newest on the left). In each
     * interval the {@code keep} oldest snapshots are kept (all for {@link GridInterval#KEEP_ALL});
     * snapshots older than the last interval are not kept, snapshots dated after {@code now} are kept.
     */
    record Grid(List<GridInterval> intervals, String text) implements RetentionPolicy {
        private static final Pattern PART = Pattern.compile("\\s*([0-9]{1,6})\\s*x\\s*([^(]+?)\\s*(?:\\((.*)\\))?\\s*");
        private static final Pattern KEEP = Pattern.compile("\\s*keep\\s*=\\s*(all|[0-9]{1,6})\\s*");
        /** The most intervals a grid may expand to. */
        public static final int MAX_INTERVALS = 10_000;

        public Grid {
            intervals = List.copyOf(intervals);
            Objects.requireNonNull(text, "text");
            if (intervals.isEmpty()) {
                throw new InvalidRetentionException("a retention grid needs at least one interval, e.g. 24x1h | 14x1d");
            }
        }

        /** Parses zrepl's syntax: {@code 1x1h(keep=all) | 24x1h | 14x1d}; keep defaults to 1. */
        public static Grid parse(String text) {
            if (text == null || text.isBlank()) {
                throw new InvalidRetentionException("the retention grid is empty: write e.g. 1x1h(keep=all) | 24x1h | 14x1d");
            }
            String[] parts = text.split("\\|", -1);
            List<GridInterval> out = new ArrayList<>();
            Duration last = Duration.ZERO;
            Duration span = Duration.ZERO;
            boolean allKeepAll = true;
            for (int i = 0; i < parts.length; i++) {
                String where = "retention grid '" + text.strip() + "', part " + (i + 1) + " '" + parts[i].strip() + "'";
                Matcher m = PART.matcher(parts[i]);
                if (!m.matches()) {
                    throw new InvalidRetentionException(where + ": expected COUNTxDURATION or COUNTxDURATION(keep=N|all), e.g. 24x1h");
                }
                int count = Integer.parseInt(m.group(1));
                if (count < 1) {
                    throw new InvalidRetentionException(where + ": the count must be at least 1");
                }
                Duration length = Durations.parse(m.group(2), where + ": the interval length");
                int keep = 1;
                if (m.group(3) != null) {
                    Matcher k = KEEP.matcher(m.group(3));
                    if (!k.matches()) {
                        throw new InvalidRetentionException(where + ": the option must be keep=N or keep=all, not '"
                                + m.group(3).strip() + "'");
                    }
                    keep = k.group(1).equals("all") ? GridInterval.KEEP_ALL : Integer.parseInt(k.group(1));
                    if (keep == 0) {
                        throw new InvalidRetentionException(where + ": keep must be a positive number or all, not 0");
                    }
                }
                if (length.compareTo(last) < 0 && !allKeepAll) {
                    throw new InvalidRetentionException(where + ": interval lengths must not decrease ("
                            + Durations.format(length) + " follows " + Durations.format(last)
                            + "), unless every interval before is keep=all");
                }
                if (out.size() + count > MAX_INTERVALS) {
                    throw new InvalidRetentionException(where + ": a grid has at most " + MAX_INTERVALS + " intervals");
                }
                span = span.plus(length.multipliedBy(count));
                if (span.compareTo(Durations.MAX) > 0) {
                    throw new InvalidRetentionException(where + ": the grid reaches back more than 1000 years");
                }
                for (int c = 0; c < count; c++) {
                    out.add(new GridInterval(length, keep));
                }
                last = length;
                allKeepAll &= keep == GridInterval.KEEP_ALL;
            }
            return new Grid(out, text.strip());
        }

        @Override
        public String describe() {
            return "grid " + text;
        }
    }

    /** One interval of a {@link Grid}. */
    record GridInterval(Duration length, int keep) {
        /** Keep every snapshot in the interval. */
        public static final int KEEP_ALL = -1;

        public GridInterval {
            Objects.requireNonNull(length, "length");
            if (length.isZero() || length.isNegative()) {
                throw new InvalidRetentionException("a grid interval must be longer than zero");
            }
            if (keep < 1 && keep != KEEP_ALL) {
                throw new InvalidRetentionException("a grid interval keeps a positive number of snapshots or all, not " + keep);
            }
        }
    }

    /**
     * zrepl's regex rule: keeps every snapshot whose short name the regex finds a match in (anchor it
     * with ^ and $ for a whole-name match), or, with {@code negate}, every snapshot it does not.
     */
    record KeepMatching(Pattern regex, boolean negate) implements RetentionPolicy {
        public KeepMatching {
            Objects.requireNonNull(regex, "regex");
        }

        public static KeepMatching of(String regex, boolean negate) {
            return new KeepMatching(compile(regex), negate);
        }

        @Override
        public String describe() {
            return (negate ? "keep not matching /" : "keep matching /") + regex.pattern() + "/";
        }
    }

    /**
     * Applies {@code rule} only to snapshots whose short name the regex finds a match in, as zrepl's
     * {@code regex} option of a rule: the rule counts and keeps among those alone and keeps nothing
     * else (combine with {@code KeepMatching(regex, true)} to keep everything outside the scope).
     */
    record Scoped(Pattern regex, RetentionPolicy rule) implements RetentionPolicy {
        public Scoped {
            Objects.requireNonNull(regex, "regex");
            Objects.requireNonNull(rule, "rule");
        }

        public static Scoped of(String regex, RetentionPolicy rule) {
            return new Scoped(compile(regex), rule);
        }

        @Override
        public String describe() {
            return rule.describe() + " for /" + regex.pattern() + "/";
        }
    }

    /**
     * Applies {@code rule} only to snapshots made by the naming schema {@code schema} (its text), so
     * each schema of a task can have its own lifetime, as in TrueNAS.
     */
    record PerSchema(String schema, RetentionPolicy rule) implements RetentionPolicy {
        public PerSchema {
            Objects.requireNonNull(schema, "schema");
            Objects.requireNonNull(rule, "rule");
        }

        @Override
        public String describe() {
            return rule.describe() + " for schema " + schema;
        }
    }

    /** Keeps what any of {@code rules} keeps; with no rules it keeps nothing. */
    record AnyOf(List<RetentionPolicy> rules) implements RetentionPolicy {
        public AnyOf {
            rules = List.copyOf(rules);
        }

        public static AnyOf of(RetentionPolicy... rules) {
            return new AnyOf(List.of(rules));
        }

        @Override
        public String describe() {
            if (rules.isEmpty()) {
                return "no rule";
            }
            List<String> parts = new ArrayList<>();
            for (RetentionPolicy r : rules) {
                parts.add(r.describe());
            }
            return String.join(" + ", parts);
        }
    }

    private static Pattern compile(String regex) {
        try {
            return Pattern.compile(Objects.requireNonNull(regex, "regex"));
        } catch (PatternSyntaxException e) {
            throw new InvalidRetentionException("invalid regular expression '" + regex + "': " + e.getDescription()
                    + " near position " + e.getIndex());
        }
    }
}
