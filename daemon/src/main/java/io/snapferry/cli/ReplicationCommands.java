package io.snapferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.snapferry.daemon.config.Json;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.SnapshotName;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code replication} and {@code hold} commands. */
final class ReplicationCommands {
    private static final Set<String> VALUED = Set.of("name", "direction", "transport", "connection", "source", "target", "exclude",
            "snapshot-task", "naming", "also-include", "name-regex", "schedule", "window", "retention", "lifetime", "keep", "grid",
            "readonly", "compression", "bwlimit", "retries", "set-property", "exclude-property", "key");
    private static final Set<String> FLAGS = Set.of("recursive", "no-recursive", "after-snapshot-task", "allow-from-scratch",
            "send-properties", "disabled", "no-schedule", "encrypt", "no-encrypt");

    private final TaskCommands.ApiCall api;
    private final PrintStream out;
    private final PrintStream progressOut;

    ReplicationCommands(TaskCommands.ApiCall api, PrintStream out, PrintStream progressOut) {
        this.api = api;
        this.out = out;
        this.progressOut = progressOut;
    }

    void replication(String sub, List<String> words) throws IOException {
        switch (sub) {
            case "create" -> {
                Args a = Args.parse(words, VALUED, FLAGS);
                a.expectPositional(0, "snapferry replication create --name R --source D --target D ...");
                a.required("name");
                a.required("target");
                if (a.values("source").isEmpty()) {
                    throw new UsageException("missing --source");
                }
                JsonNode r = api.get().post("/replications", body(a, true));
                out.println("created replication " + r.path("task").path("name").asText());
            }
            case "update" -> {
                Args a = Args.parse(words, VALUED, FLAGS);
                a.expectPositional(1, "snapferry replication update R [options as for create]");
                api.get().put("/replications/" + name(a.positional(0, "R")), body(a, false));
                out.println("updated " + a.positional(0, "R"));
            }
            case "list" -> {
                Args a = Args.parse(words, Set.of(), Set.of("json"));
                a.expectPositional(0, "snapferry replication list [--json]");
                JsonNode list = api.get().get("/replications");
                if (a.flag("json")) {
                    print(list);
                    return;
                }
                Table t = new Table("NAME", "DIRECTION", "TRANSPORT", "SOURCES", "TARGET", "ENABLED", "LAST RESULT");
                for (JsonNode v : list) {
                    JsonNode task = v.path("task");
                    t.row(task.path("name").asText(), task.path("direction").asText().toLowerCase(Locale.ROOT),
                            task.path("transport").asText().toLowerCase(Locale.ROOT).replace('_', '-'), task.path("sources").toString(),
                            task.path("target").asText(), task.path("enabled").asBoolean() ? "yes" : "no",
                            v.path("lastRun").path("result").asText("-"));
                }
                t.print(out);
            }
            case "show" -> print(api.get().get("/replications/" + one(words, "show")));
            case "enable", "disable", "delete" -> {
                String n = one(words, sub);
                if (sub.equals("delete")) {
                    api.get().delete("/replications/" + n);
                } else {
                    api.get().post("/replications/" + n + "/" + sub, Map.of());
                }
                out.println(sub + (sub.endsWith("e") ? "d " : "ed ") + n);
            }
            case "run" -> run(words);
            case "diff" -> {
                Args a = Args.parse(words, Set.of(), Set.of("json"));
                a.expectPositional(1, "snapferry replication diff R [--json]");
                JsonNode d = api.get().get("/replications/" + name(a.positional(0, "R")) + "/diff");
                if (a.flag("json")) {
                    print(d);
                    return;
                }
                for (JsonNode ds : d) {
                    out.println(ds.path("source").asText() + " -> " + ds.path("target").asText() + ": common base "
                            + ds.path("common").asText("none"));
                    out.println("  only on the source: " + ds.path("sourceOnly").toString());
                    out.println("  only on the target: " + ds.path("targetOnly").toString());
                }
            }
            case "reinitialize" -> {
                JsonNode r = api.get().post("/replications/" + one(words, "reinitialize") + "/reinitialize", Map.of());
                for (JsonNode c : r.path("claimed")) {
                    out.println("target " + c.asText() + " now belongs to this replication");
                }
            }
            case "reverse" -> {
                JsonNode r = api.get().post("/replications/" + one(words, "reverse") + "/reverse", Map.of());
                String n = r.path("task").path("name").asText();
                out.println("created " + n + ": it brings " + r.path("task").path("sources").toString() + " back into "
                        + r.path("task").path("target").asText() + "; run it with 'snapferry replication run " + n + " --wait'");
            }
            default -> throw new UsageException("usage: snapferry replication create|list|show|run|update|enable|disable|delete|diff|reinitialize|reverse ...");
        }
    }

    private static String one(List<String> words, String sub) {
        Args a = Args.parse(words, Set.of(), Set.of());
        a.expectPositional(1, "snapferry replication " + sub + " R");
        return name(a.positional(0, "R"));
    }

    private static String name(String n) {
        if (!n.matches("[a-z0-9][a-z0-9_-]{0,63}")) {
            throw new UsageException("'" + n + "' is not a replication name");
        }
        return n;
    }

    /**
     * One line of a running replication's progress: the snapshot in flight, bytes of the step's
     * estimated size (or "size unknown"), the smoothed rate, and the ETA ("ETA unknown" without an
     * estimate), then the run's total when it spans several steps.
     */
    static String progressLine(JsonNode p) {
        long bytes = p.path("bytes").asLong();
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s@%s  %s", p.path("dataset").asText(),
                p.path("snapshot").asText(), Table.bytes(bytes)));
        b.append(p.path("totalBytes").isNumber() ? " of " + Table.bytes(p.path("totalBytes").asLong()) : " (size unknown)");
        b.append(String.format(Locale.ROOT, "  %.1f MiB/s", p.path("bytesPerSecond").asDouble() / (1 << 20)));
        b.append(p.path("etaSeconds").isNumber() ? "  ETA " + eta(p.path("etaSeconds").asLong()) : "  ETA unknown");
        long run = p.path("runBytes").asLong(bytes);
        if (run > bytes) {
            b.append("  (run: ").append(Table.bytes(run)).append(')');
        }
        return b.toString();
    }

    private static String eta(long seconds) {
        if (seconds < 60) {
            return seconds + " s";
        }
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", seconds / 3600, seconds % 3600 / 60);
    }

    /** Starts the run and follows it, showing progress on stderr; exit 0 only when it succeeded. */
    private void run(List<String> words) throws IOException {
        Args a = Args.parse(words, Set.of(), Set.of("wait"));
        a.expectPositional(1, "snapferry replication run R [--wait]");
        String n = name(a.positional(0, "R"));
        String runsQuery = "/tasks" + ApiClient.query(Map.of("kind", "replication", "subject", n, "limit", "1"));
        // The run this command starts is the first one newer than the newest before it (start times
        // alone cannot tell: a run that ended a moment ago may have started in the same second).
        JsonNode before = a.flag("wait") ? api.get().get(runsQuery) : null;
        String previous = before != null && before.size() > 0 ? before.get(0).path("id").asText() : null;
        api.get().post("/replications/" + n + "/run", Map.of());
        if (!a.flag("wait")) {
            out.println("started " + n);
            return;
        }
        long deadline = System.nanoTime() + Duration.ofDays(7).toNanos();
        JsonNode run = null;
        String lastLine = "";
        // short runs (an incremental of a few KiB) end within milliseconds: ask soon, then less often
        long pauseMillis = 5;
        while (System.nanoTime() < deadline) {
            JsonNode runs = api.get().get(runsQuery);
            if (runs.size() > 0 && !runs.get(0).path("id").asText().equals(previous)
                    && !runs.get(0).path("state").asText().equals("RUNNING")) {
                run = api.get().get("/tasks/" + runs.get(0).path("id").asText());
                break;
            }
            JsonNode p = api.get().get("/replications/progress").path(n);
            if (!p.isMissingNode()) {
                String line = progressLine(p);
                if (!line.equals(lastLine)) {
                    progressOut.println(line);
                    lastLine = line;
                }
            }
            try {
                java.util.concurrent.TimeUnit.MILLISECONDS.sleep(pauseMillis);
                pauseMillis = Math.min(100, pauseMillis * 2); // two local requests per look: cheap, and the end shows soon
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException("interrupted; the replication goes on in the daemon");
            }
        }
        if (run == null) {
            throw new CliException("gave up waiting for replication " + n);
        }
        for (JsonNode l : run.path("log")) {
            out.println(l.path("time").asText() + " " + l.path("level").asText() + " " + l.path("message").asText());
        }
        out.println(run.path("state").asText().toLowerCase(Locale.ROOT) + ": " + run.path("result").asText());
        if (!run.path("state").asText().equals("SUCCEEDED")) {
            throw new CliException("replication " + n + " did not complete: " + run.path("result").asText());
        }
    }

    private ObjectNode body(Args a, boolean create) {
        ObjectNode b = Json.mapper().createObjectNode();
        a.value("name").ifPresent(v -> b.put("name", name(v)));
        a.value("direction").ifPresent(v -> b.put("direction", oneOf("direction", v, "push", "pull")));
        a.value("transport").ifPresent(v -> b.put("transport", oneOf("transport", v, "local", "ssh", "ssh-zfs").replace('-', '_')));
        a.value("connection").ifPresent(v -> b.put("connection", v));
        datasets(b, a, "source", "sources");
        a.value("target").ifPresent(v -> b.put("target", DatasetName.of(v).value()));
        datasets(b, a, "exclude", "exclude");
        strings(b, a, "snapshot-task", "snapshotTasks");
        strings(b, a, "naming", "naming");
        strings(b, a, "also-include", "alsoInclude");
        a.value("name-regex").ifPresent(v -> b.put("nameRegex", v));
        a.value("schedule").ifPresent(v -> b.put("schedule", v));
        if (a.flag("no-schedule")) {
            b.putNull("schedule");
        }
        if (a.flag("after-snapshot-task")) {
            b.put("afterSnapshotTask", true);
        }
        a.value("window").ifPresent(v -> b.put("window", v));
        if (a.flag("recursive")) {
            b.put("recursive", true);
        }
        if (a.flag("no-recursive")) {
            b.put("recursive", false);
        }
        if (a.value("retention").isPresent() || a.value("lifetime").isPresent() || a.value("keep").isPresent() || a.value("grid").isPresent()) {
            ObjectNode r = b.putObject("retention");
            String mode = a.value("retention").map(v -> oneOf("retention", v, "source", "custom", "none"))
                    .orElse("CUSTOM");
            r.put("mode", mode);
            a.value("lifetime").ifPresent(v -> r.put("lifetime", v));
            a.value("keep").ifPresent(v -> r.put("keep", v));
            a.value("grid").ifPresent(v -> r.put("grid", v));
        }
        if (a.flag("allow-from-scratch")) {
            b.put("allowFromScratch", true);
        }
        a.value("readonly").ifPresent(v -> b.put("readonly", oneOf("readonly", v, "ignore", "set", "require")));
        a.value("compression").ifPresent(v -> b.put("compression", oneOf("compression", v, "none", "lz4", "zstd")));
        a.value("bwlimit").ifPresent(v -> b.put("bandwidthLimit", v));
        if (a.flag("encrypt") != a.value("key").isPresent()) {
            throw new UsageException("--encrypt and --key K go together: --encrypt --key K encrypts with stream key K");
        }
        a.value("key").ifPresent(v -> b.put("encryptionKey", v));
        if (a.flag("no-encrypt")) {
            b.putNull("encryptionKey");
        }
        if (a.value("retries").isPresent()) {
            b.put("retries", a.intValue("retries", 5, 0, 100));
        }
        if (a.flag("send-properties") || !a.values("set-property").isEmpty() || !a.values("exclude-property").isEmpty()) {
            ObjectNode p = b.putObject("properties");
            p.put("send", a.flag("send-properties"));
            ArrayNode ex = p.putArray("exclude");
            a.values("exclude-property").forEach(ex::add);
            ObjectNode ov = p.putObject("override");
            for (String kv : a.values("set-property")) {
                int eq = kv.indexOf('=');
                if (eq < 1) {
                    throw new UsageException("--set-property takes NAME=VALUE, not '" + kv + "'");
                }
                ov.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        if (create && a.flag("disabled")) {
            b.put("enabled", false);
        }
        return b;
    }

    private static String oneOf(String option, String value, String... allowed) {
        for (String x : allowed) {
            if (x.equalsIgnoreCase(value)) {
                return x.toUpperCase(Locale.ROOT);
            }
        }
        throw new UsageException("--" + option + " must be one of " + String.join(", ", allowed) + ", not '" + value + "'");
    }

    private static void datasets(ObjectNode b, Args a, String option, String field) {
        if (!a.values(option).isEmpty()) {
            ArrayNode arr = b.putArray(field);
            a.values(option).forEach(v -> arr.add(DatasetName.of(v).value()));
        }
    }

    private static void strings(ObjectNode b, Args a, String option, String field) {
        if (!a.values(option).isEmpty()) {
            ArrayNode arr = b.putArray(field);
            a.values(option).forEach(arr::add);
        }
    }

    void hold(String sub, List<String> words) throws IOException {
        switch (sub) {
            case "list" -> {
                Args a = Args.parse(words, Set.of(), Set.of("json"));
                if (a.positional().size() != 1) {
                    throw new UsageException("usage: snapferry hold list DATASET [--json]");
                }
                JsonNode holds = api.get().get("/holds" + ApiClient.query(Map.of("dataset", DatasetName.of(a.positional(0, "DATASET")).value())));
                if (a.flag("json")) {
                    print(holds);
                    return;
                }
                Table t = new Table("SNAPSHOT", "TAG", "REPLICATION");
                for (JsonNode h : holds) {
                    t.row(h.path("snapshot").asText(), h.path("tag").asText(), h.path("replication").asText("-"));
                }
                t.print(out);
            }
            case "release" -> {
                Args a = Args.parse(words, Set.of(), Set.of());
                a.expectPositional(2, "snapferry hold release DATASET@SNAP TAG");
                SnapshotName s = SnapshotName.parse(a.positional(0, "DATASET@SNAP"));
                String tag = a.positional(1, "TAG");
                api.get().delete("/snapshots/holds" + ApiClient.query(Map.of("name", s.toString(), "tag", tag)));
                out.println("released " + tag + " on " + s);
            }
            default -> throw new UsageException("usage: snapferry hold list DATASET | hold release DATASET@SNAP TAG");
        }
    }

    private void print(JsonNode n) throws IOException {
        out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(n));
    }
}
