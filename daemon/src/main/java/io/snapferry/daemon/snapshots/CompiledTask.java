package io.snapferry.daemon.snapshots;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.naming.InvalidSchemaException;
import io.snapferry.naming.NamingSchema;
import io.snapferry.retention.InvalidRetentionException;
import io.snapferry.retention.RetentionPolicy;
import io.snapferry.schedule.InvalidScheduleException;
import io.snapferry.schedule.Schedule;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A {@link SnapshotTask} with every field parsed and checked: the form the scheduler and the runner
 * use. {@link #compile} is the one place task input is validated; its errors name the field.
 */
public record CompiledTask(SnapshotTask task, DatasetName dataset, List<DatasetName> exclude, NamingSchema naming,
                           Schedule schedule, Optional<RetentionPolicy> retention) {

    public static CompiledTask compile(SnapshotTask t, ZoneId zone) {
        DatasetName dataset = dataset("dataset", t.dataset());
        List<DatasetName> exclude = new ArrayList<>();
        for (String x : t.exclude()) {
            DatasetName e = dataset("exclude", x);
            if (!t.recursive()) {
                throw new InvalidTaskException("exclude", "exclude only applies to a recursive task; add --recursive or drop --exclude " + x);
            }
            if (e.equals(dataset) || !dataset.contains(e)) {
                throw new InvalidTaskException("exclude", "excluded dataset " + e + " is not a child of " + dataset);
            }
            exclude.add(e);
        }
        NamingSchema naming;
        try {
            naming = NamingSchema.parse(t.naming());
        } catch (InvalidSchemaException e) {
            throw new InvalidTaskException("naming", e.getMessage());
        }
        Schedule schedule;
        try {
            if (t.begin().isPresent() != t.end().isPresent()) {
                throw new InvalidTaskException(t.begin().isPresent() ? "end" : "begin",
                        "a time window needs both --begin and --end (HH:MM)");
            }
            schedule = t.begin().isPresent()
                    ? Schedule.parse(t.schedule(), time("begin", t.begin().get()), time("end", t.end().get()))
                    : Schedule.parse(t.schedule());
        } catch (InvalidScheduleException e) {
            throw new InvalidTaskException("schedule", e.getMessage());
        }
        Optional<RetentionPolicy> retention = retention(t.retention(), zone);
        for (Optional<SnapshotTask.Hook> h : List.of(t.preHook(), t.postHook())) {
            if (h.isPresent() && (h.get().command().isBlank() || h.get().timeoutSeconds() < 1 || h.get().timeoutSeconds() > 86400)) {
                throw new InvalidTaskException(h == t.preHook() ? "preHook" : "postHook",
                        "a hook needs a command and a timeout between 1 s and 1 day");
            }
        }
        return new CompiledTask(t, dataset, List.copyOf(exclude), naming, schedule, retention);
    }

    /** The rules, combined so that a snapshot any of them keeps is kept; empty when none is set. */
    public static Optional<RetentionPolicy> retention(SnapshotTask.Retention r, ZoneId zone) {
        List<RetentionPolicy> rules = new ArrayList<>();
        try {
            r.lifetime().ifPresent(l -> rules.add(RetentionPolicy.Lifetime.parse(l)));
        } catch (InvalidRetentionException e) {
            throw new InvalidTaskException("lifetime", e.getMessage());
        }
        try {
            r.keep().ifPresent(k -> rules.add(RetentionPolicy.KeepCounts.parse(k, zone)));
        } catch (InvalidRetentionException e) {
            throw new InvalidTaskException("keep", e.getMessage());
        }
        try {
            r.grid().ifPresent(g -> rules.add(RetentionPolicy.Grid.parse(g)));
        } catch (InvalidRetentionException e) {
            throw new InvalidTaskException("grid", e.getMessage());
        }
        if (rules.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(rules.size() == 1 ? rules.get(0) : RetentionPolicy.AnyOf.of(rules.toArray(RetentionPolicy[]::new)));
    }

    private static DatasetName dataset(String field, String value) {
        try {
            return DatasetName.of(value);
        } catch (DatasetException e) {
            throw new InvalidTaskException(field, e.getMessage());
        }
    }

    private static LocalTime time(String field, String value) {
        try {
            return LocalTime.parse(value);
        } catch (DateTimeParseException e) {
            throw new InvalidTaskException(field, field + " must be a time of day as HH:MM, not '" + value + "'");
        }
    }

    /** True when this task's snapshots land on {@code other}'s datasets too (same dataset, or one inside the other's recursive tree). */
    public boolean overlaps(CompiledTask other) {
        return dataset.equals(other.dataset)
                || task.recursive() && dataset.contains(other.dataset)
                || other.task.recursive() && other.dataset.contains(dataset);
    }
}
