package io.snapferry.daemon.snapshots;

import java.util.List;
import java.util.Optional;

/**
 * A periodic snapshot task as configured.
 *
 * @param naming   strftime-style naming schema, e.g. {@code auto-%Y-%m-%d_%H-%M}
 * @param schedule a cron expression or preset ("hourly", "daily", ...)
 * @param begin    start of the time-of-day window ("HH:MM"), with {@code end}; may wrap past midnight
 * @param exclude  child datasets (and their children) that get no snapshot in a recursive task
 */
public record SnapshotTask(String id, String dataset, boolean recursive, List<String> exclude, String naming,
                           String schedule, Optional<String> begin, Optional<String> end, Retention retention,
                           boolean allowEmpty, boolean enabled, Optional<Hook> preHook, Optional<Hook> postHook) {
    public SnapshotTask {
        exclude = List.copyOf(exclude);
    }

    /** Retention rules; a snapshot is destroyed only when no given rule keeps it. None given keeps everything. */
    public record Retention(Optional<String> lifetime, Optional<String> keep, Optional<String> grid) {
        public static Retention none() {
            return new Retention(Optional.empty(), Optional.empty(), Optional.empty());
        }

        @com.fasterxml.jackson.annotation.JsonIgnore
        public boolean isNone() {
            return lifetime.isEmpty() && keep.isEmpty() && grid.isEmpty();
        }
    }

    /** A command run by {@code /bin/sh -c} with a timeout; names reach it as environment variables only. */
    public record Hook(String command, int timeoutSeconds) {
    }

    public SnapshotTask withEnabled(boolean on) {
        return new SnapshotTask(id, dataset, recursive, exclude, naming, schedule, begin, end, retention, allowEmpty, on,
                preHook, postHook);
    }
}
