package io.snapferry.daemon.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.snapferry.daemon.config.InvalidSettingException;
import io.snapferry.daemon.config.Json;
import io.snapferry.daemon.config.Settings;
import io.snapferry.daemon.config.SettingsStore;
import io.snapferry.daemon.notify.InvalidTargetException;
import io.snapferry.daemon.notify.NotificationTarget;
import io.snapferry.daemon.notify.NotificationTargets;
import io.snapferry.daemon.snapshots.InvalidTaskException;
import io.snapferry.daemon.snapshots.SnapshotTask;
import io.snapferry.daemon.snapshots.SnapshotTasks;
import io.snapferry.daemon.config.ConfigStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** The sections this module exports: settings, snapshot tasks, notification targets. */
public final class Sections {
    private Sections() {
    }

    /** Reads a node as {@code type}, turning a mapping error into one naming the item and field. */
    static <T> T read(String section, String item, JsonNode node, Class<T> type) {
        try {
            return Json.mapper().treeToValue(node, type);
        } catch (JsonMappingException e) {
            String field = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining("."));
            Throwable cause = e.getCause();
            if (cause instanceof InvalidSettingException s) {
                throw new InvalidConfigException(section, item, s.field(), s.getMessage());
            }
            if (cause instanceof InvalidTargetException t) {
                throw new InvalidConfigException(section, item, t.field(), t.getMessage());
            }
            if (cause instanceof IllegalArgumentException || cause instanceof InvalidTaskException) {
                throw new InvalidConfigException(section, item, field.isEmpty() ? null : field, cause.getMessage());
            }
            throw new InvalidConfigException(section, item, field.isEmpty() ? null : field, e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException(section, item, null, e.getOriginalMessage());
        }
    }

    /** The items of a list section, each with the id it gives (or its position). */
    static List<JsonNode> items(String section, JsonNode node) {
        if (!node.isArray()) {
            throw new InvalidConfigException(section, null, null, "must be a list");
        }
        List<JsonNode> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        int i = 0;
        for (JsonNode n : node) {
            String id = n.path("id").asText("");
            if (!n.isObject() || !ConfigStore.validId(id)) {
                throw new InvalidConfigException(section, id.isEmpty() ? "#" + (i + 1) : id, "id",
                        "every item needs an id of lower-case letters, digits, '-' and '_'");
            }
            if (!ids.add(id)) {
                throw new InvalidConfigException(section, id, "id", "the id appears twice in the document");
            }
            out.add(n);
            i++;
        }
        return out;
    }

    /** {@code settings}: the box-wide settings, one object. */
    public static ConfigSection settings(SettingsStore store) {
        return new ConfigSection() {
            @Override
            public String name() {
                return "settings";
            }

            @Override
            public JsonNode export() {
                return Json.mapper().valueToTree(store.get());
            }

            private Settings merged(JsonNode node) {
                if (!node.isObject()) {
                    throw new InvalidConfigException(name(), null, null, "must be a mapping");
                }
                var base = (com.fasterxml.jackson.databind.node.ObjectNode) Json.mapper().valueToTree(store.get());
                node.fields().forEachRemaining(e -> base.set(e.getKey(), e.getValue()));
                return read(name(), null, base, Settings.class);
            }

            @Override
            public List<Change> plan(JsonNode node) {
                Settings s = merged(node);
                return List.of(new Change(name(), "settings", s.equals(store.get()) ? Action.UNCHANGED : Action.UPDATED));
            }

            @Override
            public void apply(JsonNode node) {
                Settings s = merged(node);
                if (!s.equals(store.get())) {
                    store.put(s);
                }
            }
        };
    }

    /** {@code snapshotTasks}: a list of snapshot tasks, validated as the API validates them. */
    public static ConfigSection snapshotTasks(SnapshotTasks tasks) {
        return new ConfigSection() {
            @Override
            public String name() {
                return "snapshotTasks";
            }

            @Override
            public JsonNode export() {
                return Json.mapper().valueToTree(tasks.list());
            }

            private List<SnapshotTask> parse(JsonNode node) {
                List<SnapshotTask> out = new ArrayList<>();
                for (JsonNode n : items(name(), node)) {
                    out.add(read(name(), n.path("id").asText(), n, SnapshotTask.class));
                }
                // Each task alone first (fields, dataset), then against the others of the document and
                // the stored tasks it leaves in place (naming clashes).
                Set<String> given = out.stream().map(SnapshotTask::id).collect(Collectors.toSet());
                List<SnapshotTask> after = new ArrayList<>(out);
                tasks.list().stream().filter(t -> !given.contains(t.id())).forEach(after::add);
                for (List<SnapshotTask> among : List.of(List.<SnapshotTask>of(), after)) {
                    for (SnapshotTask t : out) {
                        try {
                            tasks.validateAmong(t, among);
                        } catch (InvalidTaskException e) {
                            throw new InvalidConfigException(name(), t.id(), e.field(), e.getMessage());
                        }
                    }
                }
                return out;
            }

            @Override
            public List<Change> plan(JsonNode node) {
                List<Change> out = new ArrayList<>();
                for (SnapshotTask t : parse(node)) {
                    Optional<SnapshotTask> old = tasks.get(t.id());
                    out.add(new Change(name(), t.id(), old.isEmpty() ? Action.CREATED
                            : old.get().equals(t) ? Action.UNCHANGED : Action.UPDATED));
                }
                return out;
            }

            /** Applied in two passes, updates first, so a task moved away from a clash frees the way for a new one. */
            @Override
            public void apply(JsonNode node) {
                List<SnapshotTask> parsed = parse(node);
                for (SnapshotTask t : parsed) {
                    Optional<SnapshotTask> old = tasks.get(t.id());
                    if (old.isPresent() && !old.get().equals(t)) {
                        tasks.update(t);
                    }
                }
                for (SnapshotTask t : parsed) {
                    if (tasks.get(t.id()).isEmpty()) {
                        tasks.create(t);
                    }
                }
            }
        };
    }

    /**
     * A list of records keyed by their {@code name}: each item is read as {@code type}, checked
     * with {@code validate} (whose errors name the field), then created or updated on apply.
     */
    private static <T> ConfigSection named(String section, Class<T> type, java.util.function.Supplier<List<T>> list,
                                           java.util.function.Function<T, String> nameOf,
                                           java.util.function.Function<String, Optional<T>> get,
                                           java.util.function.Consumer<T> validate, java.util.function.Consumer<T> create,
                                           java.util.function.Consumer<T> update) {
        return new ConfigSection() {
            @Override
            public String name() {
                return section;
            }

            @Override
            public JsonNode export() {
                return Json.mapper().valueToTree(list.get());
            }

            private List<T> parse(JsonNode node) {
                if (!node.isArray()) {
                    throw new InvalidConfigException(section, null, null, "must be a list");
                }
                List<T> out = new ArrayList<>();
                Set<String> names = new HashSet<>();
                for (JsonNode n : node) {
                    String name = n.path("name").asText("");
                    if (!ConfigStore.validId(name)) {
                        throw new InvalidConfigException(section, name.isEmpty() ? "#" + (out.size() + 1) : name, "name",
                                "every item needs a name of lower-case letters, digits, '-' and '_'");
                    }
                    if (!names.add(name)) {
                        throw new InvalidConfigException(section, name, "name", "the name appears twice in the document");
                    }
                    T item = read(section, name, n, type);
                    try {
                        validate.accept(item);
                    } catch (InvalidTaskException e) {
                        throw new InvalidConfigException(section, name, e.field(), e.getMessage());
                    } catch (io.snapferry.daemon.ssh.SshConfigException e) {
                        throw new InvalidConfigException(section, name, e.field().orElse(null), e.getMessage());
                    }
                    out.add(item);
                }
                return out;
            }

            @Override
            public List<Change> plan(JsonNode node) {
                List<Change> out = new ArrayList<>();
                for (T t : parse(node)) {
                    Optional<T> old = get.apply(nameOf.apply(t));
                    out.add(new Change(section, nameOf.apply(t), old.isEmpty() ? Action.CREATED
                            : old.get().equals(t) ? Action.UNCHANGED : Action.UPDATED));
                }
                return out;
            }

            @Override
            public void apply(JsonNode node) {
                for (T t : parse(node)) {
                    Optional<T> old = get.apply(nameOf.apply(t));
                    if (old.isEmpty()) {
                        create.accept(t);
                    } else if (!old.get().equals(t)) {
                        update.accept(t);
                    }
                }
            }
        };
    }

    /** {@code replications}: replication tasks, checked as the API checks them (snapshot tasks they link must exist). */
    public static ConfigSection replications(io.snapferry.daemon.replication.ReplicationTasks tasks) {
        return named("replications", io.snapferry.daemon.replication.ReplicationTask.class, tasks::list,
                io.snapferry.daemon.replication.ReplicationTask::name,
                n -> tasks.list().stream().filter(t -> t.name().equals(n)).findFirst(), tasks::compile, tasks::create, tasks::update);
    }

    /**
     * {@code connections}: SSH connections with their pinned host keys. They name a key pair but never
     * carry it: import one on this box first ('snapferry keypair import').
     */
    public static ConfigSection connections(io.snapferry.daemon.ssh.SshManager ssh) {
        return named("connections", io.snapferry.daemon.ssh.ConnectionConfig.class, ssh::connections,
                io.snapferry.daemon.ssh.ConnectionConfig::name,
                n -> ssh.connections().stream().filter(c -> c.name().equals(n)).findFirst(), ssh::validate, ssh::createConnection,
                ssh::updateConnection);
    }

    /** {@code notificationTargets}: a list of targets; passwords are not exported and kept on import when left out. */
    public static ConfigSection notificationTargets(NotificationTargets targets) {
        return new ConfigSection() {
            @Override
            public String name() {
                return "notificationTargets";
            }

            @Override
            public JsonNode export() {
                ArrayNode a = Json.mapper().createArrayNode();
                targets.list().forEach(t -> a.add(Json.mapper().<JsonNode>valueToTree(t.withoutSecrets())));
                return a;
            }

            private List<NotificationTarget> parse(JsonNode node) {
                List<NotificationTarget> out = new ArrayList<>();
                for (JsonNode n : items(name(), node)) {
                    String id = n.path("id").asText();
                    NotificationTarget t = read(name(), id, n, NotificationTarget.class).keepingSecretsOf(targets.get(id));
                    try {
                        t.validate();
                    } catch (InvalidTargetException e) {
                        throw new InvalidConfigException(name(), id, e.field(), e.getMessage());
                    }
                    out.add(t);
                }
                return out;
            }

            @Override
            public List<Change> plan(JsonNode node) {
                List<Change> out = new ArrayList<>();
                for (NotificationTarget t : parse(node)) {
                    Optional<NotificationTarget> old = targets.get(t.id());
                    out.add(new Change(name(), t.id(), old.isEmpty() ? Action.CREATED
                            : old.get().equals(t) ? Action.UNCHANGED : Action.UPDATED));
                }
                return out;
            }

            @Override
            public void apply(JsonNode node) {
                List<NotificationTarget> next = new ArrayList<>(targets.list());
                for (NotificationTarget t : parse(node)) {
                    next.removeIf(o -> o.id().equals(t.id()));
                    next.add(t);
                }
                targets.replace(next);
            }
        };
    }
}
