package io.snapferry.daemon.replication;

import io.snapferry.daemon.snapshots.CompiledTask;
import io.snapferry.daemon.snapshots.InvalidTaskException;
import io.snapferry.daemon.snapshots.SnapshotTask;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.naming.InvalidSchemaException;
import io.snapferry.naming.NamingSchema;
import io.snapferry.replication.ReplicationSpec;
import io.snapferry.retention.RetentionPolicy;
import io.snapferry.schedule.InvalidScheduleException;
import io.snapferry.schedule.Schedule;
import io.snapferry.schedule.SyncWindow;
import io.snapferry.stream.RateLimiter;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A {@link ReplicationTask} with every field parsed and checked; {@link #compile} is the one place
 * replication input is validated, and its errors name the field.
 *
 * @param schemas   every schema whose snapshots go (linked snapshot tasks', naming, also-include)
 * @param retention the rules the target keeps by; empty keeps everything
 */
public record CompiledReplication(ReplicationTask task, ReplicationSpec spec, List<NamingSchema> schemas,
                                  Optional<Pattern> nameRegex, Optional<Schedule> schedule, Optional<SyncWindow> window,
                                  Optional<RetentionPolicy> retention, Optional<Long> bytesPerSecond) {

    /**
     * @param snapshotTasks the snapshot tasks of this box by id, to resolve links
     */
    public static CompiledReplication compile(ReplicationTask t, ZoneId zone, Function<String, Optional<SnapshotTask>> snapshotTasks,
                                              Function<String, Optional<io.snapferry.stream.StreamKey>> streamKeys) {
        if (t.name() == null || !t.name().matches("[a-z0-9][a-z0-9_-]{0,63}")) {
            throw new InvalidTaskException("name", "a replication name uses 1 to 64 lower-case letters, digits, '-' and '_'");
        }
        if (t.sources().isEmpty()) {
            throw new InvalidTaskException("sources", "give at least one source dataset");
        }
        List<DatasetName> sources = new ArrayList<>();
        for (String s : t.sources()) {
            sources.add(dataset("sources", s));
        }
        DatasetName target = dataset("target", t.target());
        Set<DatasetName> exclude = new LinkedHashSet<>();
        for (String x : t.exclude()) {
            exclude.add(dataset("exclude", x));
        }
        if (t.transport() == ReplicationTask.Transport.LOCAL) {
            if (t.connection().isPresent()) {
                throw new InvalidTaskException("connection", "a local replication takes no connection");
            }
            for (DatasetName s : sources) {
                if (s.contains(target) || target.contains(s)) {
                    throw new InvalidTaskException("target", "target " + target + " overlaps source " + s + " on the same box");
                }
            }
        } else if (t.connection().isEmpty()) {
            throw new InvalidTaskException("connection", "an " + t.transport().name().toLowerCase().replace('_', '-')
                    + " replication needs --connection (see 'snapferry connection list')");
        }

        List<NamingSchema> schemas = new ArrayList<>();
        Map<String, SnapshotTask> linked = new HashMap<>();
        for (String id : t.snapshotTasks()) {
            SnapshotTask st = snapshotTasks.apply(id).orElseThrow(() -> new InvalidTaskException("snapshotTasks",
                    "snapshot task " + id + " does not exist"));
            linked.put(id, st);
            schemas.add(schema("snapshotTasks", st.naming()));
        }
        for (String n : t.naming()) {
            schemas.add(schema("naming", n));
        }
        for (String n : t.alsoInclude()) {
            schemas.add(schema("alsoInclude", n));
        }
        Optional<Pattern> regex = Optional.empty();
        if (t.nameRegex().isPresent()) {
            try {
                regex = Optional.of(Pattern.compile(t.nameRegex().get()));
            } catch (PatternSyntaxException e) {
                throw new InvalidTaskException("nameRegex", "name regex is not valid: " + e.getDescription());
            }
        }
        if (schemas.isEmpty() && regex.isEmpty()) {
            throw new InvalidTaskException("naming", "choose which snapshots to replicate: --snapshot-task, --naming or --name-regex");
        }
        Optional<Schedule> schedule = Optional.empty();
        if (t.schedule().isPresent()) {
            if (t.afterSnapshotTask()) {
                throw new InvalidTaskException("schedule", "choose either its own schedule or running after the snapshot task, not both");
            }
            try {
                schedule = Optional.of(Schedule.parse(t.schedule().get()));
            } catch (InvalidScheduleException e) {
                throw new InvalidTaskException("schedule", e.getMessage());
            }
        }
        if (t.afterSnapshotTask() && t.snapshotTasks().isEmpty()) {
            throw new InvalidTaskException("afterSnapshotTask", "running after a snapshot task needs --snapshot-task");
        }
        Optional<SyncWindow> window = Optional.empty();
        if (t.window().isPresent()) {
            try {
                window = Optional.of(SyncWindow.parse(t.window().get()));
            } catch (InvalidScheduleException e) {
                throw new InvalidTaskException("window", e.getMessage());
            }
        }
        Optional<RetentionPolicy> retention = switch (t.retention().mode()) {
            case NONE -> Optional.empty();
            case CUSTOM -> {
                Optional<RetentionPolicy> r = CompiledTask.retention(new SnapshotTask.Retention(t.retention().lifetime(),
                        t.retention().keep(), t.retention().grid()), zone);
                if (r.isEmpty()) {
                    throw new InvalidTaskException("retention", "custom retention needs --lifetime, --keep or --grid");
                }
                yield r;
            }
            case SOURCE -> {
                List<RetentionPolicy> rules = new ArrayList<>();
                for (SnapshotTask st : linked.values()) {
                    CompiledTask.retention(st.retention(), zone).ifPresent(p ->
                            rules.add(new RetentionPolicy.PerSchema(st.naming(), p)));
                }
                if (t.snapshotTasks().isEmpty()) {
                    throw new InvalidTaskException("retention", "retention 'same as source' needs linked --snapshot-task; choose custom or none");
                }
                yield rules.isEmpty() ? Optional.empty()
                        : Optional.of(rules.size() == 1 ? rules.get(0) : RetentionPolicy.AnyOf.of(rules.toArray(RetentionPolicy[]::new)));
            }
        };
        Optional<Long> rate = Optional.empty();
        if (t.bandwidthLimit().isPresent()) {
            try {
                rate = Optional.of(RateLimiter.parseBytesPerSecond(t.bandwidthLimit().get()));
            } catch (IllegalArgumentException e) {
                throw new InvalidTaskException("bandwidthLimit", e.getMessage());
            }
        }
        if (t.encryptionKey().isPresent()) {
            if (streamKeys.apply(t.encryptionKey().get()).isEmpty()) {
                throw new InvalidTaskException("encryptionKey", "no stream key named " + t.encryptionKey().get()
                        + " on this box: create it ('snapferry stream-key create') or import it");
            }
            if (t.direction() == ReplicationTask.Direction.PULL && t.transport() != ReplicationTask.Transport.LOCAL) {
                throw new InvalidTaskException("encryptionKey", "the sending box encrypts: on a pull that is the other box,"
                        + " which frames with its own settings; encrypt with a push from there instead");
            }
            if (t.transport() == ReplicationTask.Transport.SSH_ZFS) {
                throw new InvalidTaskException("encryptionKey", "a stock ZFS host receives plain ZFS streams over SSH (already"
                        + " encrypted by SSH); stream keys need a snapferry box at the other end");
            }
        }
        if (t.retries() < 0 || t.retries() > 100) {
            throw new InvalidTaskException("retries", "retries must be between 0 and 100");
        }
        Set<String> excluded = new HashSet<>(t.properties().exclude());
        ReceiveOptions receive;
        try {
            Map<String, String> override = new HashMap<>(t.properties().override());
            if (t.readonly() == ReplicationTask.Readonly.SET) {
                override.put("readonly", "on");
            }
            receive = new ReceiveOptions(true, true, override, excluded);
        } catch (DatasetException e) {
            throw new InvalidTaskException("properties", e.getMessage());
        }
        List<NamingSchema> finalSchemas = List.copyOf(schemas);
        Optional<Pattern> finalRegex = regex;
        Predicate<String> eligible = name -> finalSchemas.stream().anyMatch(s -> s.matches(name))
                || finalRegex.map(r -> r.matcher(name).matches()).orElse(false);
        ReplicationSpec spec;
        try {
            spec = new ReplicationSpec(t.name(), sources, target, t.recursive(), exclude, eligible, t.allowFromScratch(),
                    t.retries(), receive);
        } catch (IllegalArgumentException e) {
            throw new InvalidTaskException("sources", e.getMessage());
        }
        return new CompiledReplication(t, spec, finalSchemas, regex, schedule, window, retention, rate);
    }

    private static DatasetName dataset(String field, String value) {
        try {
            return DatasetName.of(value);
        } catch (DatasetException e) {
            throw new InvalidTaskException(field, e.getMessage());
        }
    }

    private static NamingSchema schema(String field, String text) {
        try {
            return NamingSchema.parse(text);
        } catch (InvalidSchemaException e) {
            throw new InvalidTaskException(field, e.getMessage());
        }
    }
}
