package io.snapferry.schedule;

import com.cronutils.descriptor.CronDescriptor;
import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * When a task runs: a Unix cron expression (5 fields: minute, hour, day of month, month, day of
 * week) or a preset, restricted to an optional time-of-day {@link TimeWindow}.
 *
 * <p>Cron fields are evaluated on the wall clock of the zone given to {@link #next}. Daylight
 * saving follows Vixie cron (see {@code DESIGN.md}): a <em>fixed-time</em> job (neither the minute
 * nor the hour field starts with {@code *}) whose wall-clock time falls in the spring gap runs once
 * at the end of the gap, and in the autumn overlap runs only at the first occurrence; an
 * <em>interval</em> job (minute or hour field starting with {@code *}) keeps running on real time:
 * it does not run at wall-clock times that do not exist and runs at both occurrences of a repeated
 * time. The window is checked against the cron's wall-clock time.
 *
 * <p>Immutable and thread-safe.
 */
public final class Schedule {
    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final String[] FIELD_NAMES = {"minute", "hour", "day-of-month", "month", "day-of-week"};
    private static final String[] FIELD_RANGES = {"0-59", "0-23", "1-31", "1-12 or JAN-DEC", "0-7 or SUN-SAT (0 and 7 are Sunday)"};
    private static final Map<String, String> PRESETS = Map.ofEntries(
            Map.entry("hourly", "0 * * * *"), Map.entry("@hourly", "0 * * * *"),
            Map.entry("daily", "0 0 * * *"), Map.entry("@daily", "0 0 * * *"), Map.entry("@midnight", "0 0 * * *"),
            Map.entry("weekly", "0 0 * * 0"), Map.entry("@weekly", "0 0 * * 0"),
            Map.entry("monthly", "0 0 1 * *"), Map.entry("@monthly", "0 0 1 * *"),
            Map.entry("yearly", "0 0 1 1 *"), Map.entry("@yearly", "0 0 1 1 *"), Map.entry("@annually", "0 0 1 1 *"));
    /** {@link #next} gives up when no run is found this far ahead (a window that excludes every cron time). */
    static final Duration HORIZON = Duration.ofDays(366L * 8);
    private static final int MAX_STEPS = 200_000;

    private final String source;
    private final String cronText;
    private final Cron cron;
    private final ExecutionTime execution;
    private final boolean intervalJob;
    private final Optional<TimeWindow> window;

    private Schedule(String source, String cronText, Cron cron, Optional<TimeWindow> window) {
        this.source = source;
        this.cronText = cronText;
        this.cron = cron;
        this.execution = ExecutionTime.forCron(cron);
        String[] f = cronText.split("\\s+");
        this.intervalJob = f[0].startsWith("*") || f[1].startsWith("*");
        this.window = window;
    }

    /**
     * Parses a 5-field Unix cron expression or a preset: {@code hourly}, {@code daily},
     * {@code weekly}, {@code monthly}, {@code yearly} (with or without {@code @}), {@code @midnight},
     * {@code @annually}.
     *
     * @throws InvalidScheduleException naming the bad field and what it allows
     */
    public static Schedule parse(String expression) {
        if (expression == null || expression.isBlank()) {
            throw new InvalidScheduleException("the schedule is empty: give a cron expression such as '*/15 * * * *' "
                    + "or one of hourly, daily, weekly, monthly");
        }
        String trimmed = expression.trim();
        String preset = PRESETS.get(trimmed.toLowerCase(Locale.ROOT));
        if (preset == null && trimmed.startsWith("@")) {
            throw new InvalidScheduleException("unknown schedule preset '" + trimmed
                    + "': use @hourly, @daily, @midnight, @weekly, @monthly, @yearly or @annually");
        }
        String text = preset != null ? preset : trimmed.replaceAll("\\s+", " ");
        String[] fields = text.split(" ");
        if (fields.length != 5) {
            throw new InvalidScheduleException("cron expression '" + trimmed + "' has " + fields.length
                    + " field" + (fields.length == 1 ? "" : "s") + "; expected 5: minute hour day-of-month month day-of-week"
                    + " (or a preset: hourly, daily, weekly, monthly)");
        }
        for (int i = 0; i < 5; i++) {
            String[] probe = {"*", "*", "*", "*", "*"};
            probe[i] = fields[i];
            try {
                PARSER.parse(String.join(" ", probe)).validate();
            } catch (IllegalArgumentException e) {
                throw new InvalidScheduleException("the " + FIELD_NAMES[i] + " field '" + fields[i] + "' of cron expression '"
                        + trimmed + "' is invalid (" + e.getMessage() + "); it allows " + FIELD_RANGES[i]
                        + " with ',', '-', '/' and '*'");
            }
        }
        Cron cron;
        try {
            cron = PARSER.parse(text).validate();
        } catch (IllegalArgumentException e) {
            throw new InvalidScheduleException("cron expression '" + trimmed + "' is invalid: " + e.getMessage());
        }
        return new Schedule(trimmed, text, cron, Optional.empty());
    }

    /** Parses as {@link #parse(String)} and restricts runs to the window from {@code begin} to {@code end}. */
    public static Schedule parse(String expression, LocalTime begin, LocalTime end) {
        return parse(expression).withWindow(new TimeWindow(begin, end));
    }

    /**
     * This schedule restricted to {@code window}; {@code null} removes the restriction.
     *
     * @throws InvalidScheduleException when no time of day the cron's minute and hour fields allow lies
     *                                  in the window (the task would never run)
     */
    public Schedule withWindow(TimeWindow window) {
        if (window != null && !anyTimeOfDayIn(window)) {
            throw new InvalidScheduleException("the window " + window.begin() + " to " + window.end()
                    + " contains none of the times of day of cron expression '" + source
                    + "', so the task would never run: widen the window or change the minute and hour fields");
        }
        return new Schedule(source, cronText, cron, Optional.ofNullable(window));
    }

    /** True when some time of day allowed by the minute and hour fields lies in {@code window}. */
    private boolean anyTimeOfDayIn(TimeWindow window) {
        String[] f = cronText.split(" ");
        ExecutionTime daily = ExecutionTime.forCron(PARSER.parse(f[0] + " " + f[1] + " * * *"));
        ZonedDateTime dayStart = ZonedDateTime.of(2000, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
        Optional<ZonedDateTime> t = daily.nextExecution(dayStart.minusSeconds(1));
        for (int i = 0; i < 24 * 60 && t.isPresent() && t.get().getDayOfMonth() == 1; i++) {
            if (window.contains(t.get().toLocalTime())) {
                return true;
            }
            t = daily.nextExecution(t.get());
        }
        return false;
    }

    /** The expression as given (a preset stays a preset). */
    public String source() {
        return source;
    }

    /** The 5-field cron expression this schedule runs (presets expanded). */
    public String cron() {
        return cronText;
    }

    public Optional<TimeWindow> window() {
        return window;
    }

    /** True for interval jobs (minute or hour field starts with '*'), which follow real time across DST changes. */
    public boolean isIntervalJob() {
        return intervalJob;
    }

    /**
     * The first run strictly after {@code after}, in {@code after}'s zone, or empty when there is
     * none within {@link #HORIZON} (cron-utils knows no run, or only runs further away).
     */
    public Optional<ZonedDateTime> next(ZonedDateTime after) {
        Objects.requireNonNull(after, "after");
        ZoneId zone = after.getZone();
        ZoneRules rules = zone.getRules();
        Instant from = after.toInstant();
        int minOffset = Math.min(rules.getOffset(from).getTotalSeconds(),
                rules.getOffset(from.plus(Duration.ofDays(1))).getTotalSeconds());
        // Every run after 'from' has a wall-clock time after this one, also across a DST change.
        LocalDateTime cursor = LocalDateTime.ofEpochSecond(from.getEpochSecond() + minOffset, from.getNano(), ZoneOffset.UTC);
        LocalDateTime limit = cursor.plus(HORIZON);
        Instant best = null;
        long bestBound = 0;
        for (int step = 0; step < MAX_STEPS; step++) {
            Optional<ZonedDateTime> n = execution.nextExecution(cursor.atZone(ZoneOffset.UTC));
            if (n.isEmpty()) {
                break;
            }
            LocalDateTime local = n.get().toLocalDateTime();
            if (best != null && local.toEpochSecond(ZoneOffset.UTC) > bestBound) {
                break;
            }
            if (local.isAfter(limit)) {
                break;
            }
            if (window.isPresent() && !window.get().contains(local.toLocalTime())) {
                cursor = nextWindowStart(local).minusSeconds(1);
                continue;
            }
            for (Instant i : instantsFor(local, rules)) {
                if (i.isAfter(from) && (best == null || i.isBefore(best))) {
                    best = i;
                    int maxOffset = Math.max(rules.getOffset(best.minus(Duration.ofDays(1))).getTotalSeconds(),
                            Math.max(rules.getOffset(best).getTotalSeconds(),
                                    rules.getOffset(best.plus(Duration.ofDays(1))).getTotalSeconds()));
                    // a later wall-clock time L maps to an instant >= L - maxOffset
                    bestBound = best.getEpochSecond() + maxOffset;
                }
            }
            cursor = local;
        }
        return Optional.ofNullable(best).map(i -> i.atZone(zone));
    }

    /** The next {@code count} runs after {@code from}, for a preview; fewer when the schedule ends. */
    public List<ZonedDateTime> nextRuns(ZonedDateTime from, int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative: " + count);
        }
        List<ZonedDateTime> out = new ArrayList<>(count);
        ZonedDateTime at = from;
        while (out.size() < count) {
            Optional<ZonedDateTime> n = next(at);
            if (n.isEmpty()) {
                break;
            }
            out.add(n.get());
            at = n.get();
        }
        return out;
    }

    /**
     * The catch-up rule after downtime: when at least one run was due in {@code (lastRun, now]},
     * the latest of them (the caller runs once, now, never once per missed time); otherwise empty.
     */
    public Optional<Instant> dueAfterDowntime(Instant lastRun, Instant now, ZoneId zone) {
        Objects.requireNonNull(lastRun, "lastRun");
        Objects.requireNonNull(now, "now");
        if (!now.isAfter(lastRun)) {
            return Optional.empty();
        }
        Optional<ZonedDateTime> first = next(lastRun.atZone(zone));
        if (first.isEmpty() || first.get().toInstant().isAfter(now)) {
            return Optional.empty();
        }
        Duration back = Duration.ofHours(1);
        while (true) {
            Instant start = now.minus(back);
            if (!start.isAfter(lastRun)) {
                start = lastRun;
            }
            Instant latest = null;
            ZonedDateTime at = start.atZone(zone);
            for (Optional<ZonedDateTime> n = next(at); n.isPresent() && !n.get().toInstant().isAfter(now); n = next(at)) {
                latest = n.get().toInstant();
                at = n.get();
            }
            if (latest != null) {
                return Optional.of(latest);
            }
            back = back.multipliedBy(4);
        }
    }

    /** A sentence for people, e.g. "every 15 minutes, only between 22:00 and 06:00". */
    public String describe() {
        String text = CronDescriptor.instance(Locale.UK).describe(cron);
        StringBuilder b = new StringBuilder(text);
        if (!source.equals(cronText)) {
            b.append(" (").append(source).append(": ").append(cronText).append(')');
        }
        window.ifPresent(w -> b.append(", only between ").append(w.begin()).append(" and ").append(w.end())
                .append(w.wraps() ? " (past midnight)" : ""));
        return b.toString();
    }

    private List<Instant> instantsFor(LocalDateTime local, ZoneRules rules) {
        List<ZoneOffset> valid = rules.getValidOffsets(local);
        if (valid.size() == 1) {
            return List.of(local.toInstant(valid.get(0)));
        }
        ZoneOffsetTransition tr = rules.getTransition(local);
        if (valid.isEmpty()) {
            // in the gap: a fixed-time job runs once when the gap ends; an interval job has no such time
            return intervalJob ? List.of() : List.of(tr.getInstant());
        }
        Instant first = local.toInstant(tr.getOffsetBefore());
        return intervalJob ? List.of(first, local.toInstant(tr.getOffsetAfter())) : List.of(first);
    }

    private LocalDateTime nextWindowStart(LocalDateTime local) {
        LocalDateTime start = local.toLocalDate().atTime(window.orElseThrow().begin());
        return start.isAfter(local) ? start : start.plusDays(1);
    }

    @Override
    public String toString() {
        return source + window.map(w -> " [" + w + "]").orElse("");
    }
}
