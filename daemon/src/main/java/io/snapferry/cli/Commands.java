package io.snapferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.config.DataDir;
import io.snapferry.daemon.config.Json;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.SnapshotName;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The client commands: each validates its arguments locally, then calls the daemon's API. */
final class Commands {
    private final DataDir dir;
    private final PrintStream out;
    /** Where progress goes while a command waits (the error stream, so output stays parsable). */
    private final PrintStream err;
    private ApiClient api;

    Commands(DataDir dir, PrintStream out, PrintStream err) {
        this.dir = dir;
        this.out = out;
        this.err = err;
    }

    private ApiClient api() throws IOException {
        if (api == null) {
            api = ApiClient.connect(dir);
        }
        return api;
    }

    int dispatch(String cmd, List<String> words) throws IOException {
        String sub = words.isEmpty() ? "" : words.get(0);
        List<String> rest = words.isEmpty() ? words : words.subList(1, words.size());
        switch (cmd) {
            case "status" -> status(Args.parse(words, Set.of(), Set.of("services", "json")));
            case "dataset" -> dataset(sub, rest);
            case "snapshot" -> snapshot(sub, rest);
            case "store" -> store(sub, rest);
            case "stream-key" -> streamKey(sub, rest);
            case "snapshot-task" -> new TaskCommands(this::api, out).snapshotTask(sub, rest);
            case "retention" -> new TaskCommands(this::api, out).retention(sub, rest);
            case "task" -> new TaskCommands(this::api, out).task(sub, rest);
            case "replication" -> new ReplicationCommands(this::api, out, err).replication(sub, rest);
            case "hold" -> new ReplicationCommands(this::api, out, err).hold(sub, rest);
            case "config" -> config(sub, rest);
            case "keypair" -> new SshCommands(this::api, out).keypair(sub, rest);
            case "host-key" -> new SshCommands(this::api, out).hostKey(words);
            case "connection" -> new SshCommands(this::api, out).connection(sub, rest);
            case "peer" -> new SshCommands(this::api, out).peer(sub, rest);
            case "pair-token" -> new SshCommands(this::api, out).pairToken(words);
            default -> throw new UsageException("unknown command '" + cmd + "'");
        }
        return 0;
    }

    private void printJson(JsonNode node) throws IOException {
        out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(node));
    }

    private void status(Args a) throws IOException {
        a.expectPositional(0, "snapferry status [--services] [--json]");
        JsonNode s = api().get("/status");
        if (a.flag("json")) {
            printJson(s);
            return;
        }
        if (a.flag("services")) {
            Table t = new Table("SERVICE", "STATE", "WHY");
            for (JsonNode svc : s.path("services")) {
                t.row(svc.path("name").asText(), svc.path("state").asText().toLowerCase(), svc.path("why").asText(""));
            }
            t.print(out);
            return;
        }
        out.println("snapferry " + s.path("version").asText() + " on " + s.path("url").asText()
                + ", pools: " + s.path("pools").toString());
        List<String> notRunning = new java.util.ArrayList<>();
        int running = 0;
        for (JsonNode svc : s.path("services")) {
            if (svc.path("state").asText().equals("RUNNING")) {
                running++;
            } else {
                notRunning.add(svc.path("name").asText() + " " + svc.path("state").asText().toLowerCase()
                        + (svc.path("why").asText("").isEmpty() ? "" : " (" + svc.path("why").asText() + ")"));
            }
        }
        out.println("services: " + running + " running" + (notRunning.isEmpty() ? "" : "; " + String.join("; ", notRunning))
                + " ('snapferry status --services' lists them)");
    }

    /** {@code config export [--json]} and {@code config import FILE [--dry-run]}: YAML on the command line, JSON on the wire. */
    private void config(String sub, List<String> words) throws IOException {
        com.fasterxml.jackson.dataformat.yaml.YAMLMapper yaml = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper();
        switch (sub) {
            case "export" -> {
                Args a = Args.parse(words, Set.of(), Set.of("json"));
                a.expectPositional(0, "snapferry config export [--json] > FILE");
                JsonNode doc = api().get("/config");
                if (a.flag("json")) {
                    printJson(doc);
                } else {
                    out.print(yaml.writeValueAsString(doc));
                }
            }
            case "import" -> {
                Args a = Args.parse(words, Set.of(), Set.of("dry-run"));
                a.expectPositional(1, "snapferry config import FILE [--dry-run]");
                java.nio.file.Path file = java.nio.file.Path.of(a.positional(0, "FILE"));
                JsonNode doc;
                try {
                    doc = yaml.readTree(file.toFile());
                } catch (java.nio.file.NoSuchFileException | java.io.FileNotFoundException e) {
                    throw new CliException(file + " does not exist");
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new CliException(file + " is not valid YAML: " + e.getOriginalMessage()
                            + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
                }
                if (doc == null || !doc.isObject()) {
                    throw new CliException(file + " does not hold a configuration (expected a mapping, as 'snapferry config export' writes)");
                }
                boolean dry = a.flag("dry-run");
                JsonNode r = api().post("/config" + ApiClient.query(Map.of("dryRun", String.valueOf(dry))), doc);
                Table t = new Table("SECTION", "ITEM", dry ? "WOULD BE" : "RESULT");
                for (JsonNode c : r.path("changes")) {
                    t.row(c.path("section").asText(), c.path("item").asText(), c.path("action").asText().toLowerCase());
                }
                t.print(out);
                if (dry) {
                    out.println("dry run: nothing was changed");
                }
            }
            default -> throw new UsageException("usage: snapferry config export [--json] | import FILE [--dry-run]");
        }
    }

    private void streamKey(String sub, List<String> words) throws IOException {
        switch (sub) {
            case "list" -> {
                Args a = Args.parse(words, Set.of(), Set.of("json"));
                a.expectPositional(0, "snapferry stream-key list [--json]");
                JsonNode list = api().get("/stream-keys");
                if (a.flag("json")) {
                    printJson(list);
                    return;
                }
                Table t = new Table("NAME", "FINGERPRINT");
                list.forEach(k -> t.row(k.path("name").asText(), k.path("fingerprint").asText()));
                t.print(out);
            }
            case "create", "import" -> {
                Args a = Args.parse(words, Set.of("file"), Set.of());
                a.expectPositional(1, "snapferry stream-key " + sub + " NAME" + (sub.equals("import") ? " --file F" : ""));
                Map<String, String> body = new java.util.LinkedHashMap<>();
                body.put("name", a.positional(0, "NAME"));
                if (sub.equals("import")) {
                    body.put("file", java.nio.file.Path.of(a.required("file")).toAbsolutePath().toString());
                }
                JsonNode k = api().post("/stream-keys", body);
                out.println((sub.equals("create") ? "created" : "imported") + " stream key " + k.path("name").asText()
                        + ", fingerprint " + k.path("fingerprint").asText());
            }
            case "export" -> {
                Args a = Args.parse(words, Set.of("to"), Set.of());
                a.expectPositional(1, "snapferry stream-key export NAME --to FILE");
                String to = java.nio.file.Path.of(a.required("to")).toAbsolutePath().toString();
                api().post("/stream-keys/" + a.positional(0, "NAME") + "/export", Map.of("file", to));
                out.println("wrote stream key " + a.positional(0, "NAME") + " to " + to + " (mode 0600); import it on the other box");
            }
            case "delete" -> {
                Args a = Args.parse(words, Set.of(), Set.of());
                a.expectPositional(1, "snapferry stream-key delete NAME");
                api().delete("/stream-keys/" + a.positional(0, "NAME"));
                out.println("deleted stream key " + a.positional(0, "NAME"));
            }
            default -> throw new UsageException("usage: snapferry stream-key create NAME | import NAME --file F | export NAME --to F | list | delete NAME");
        }
    }

    private void store(String sub, List<String> words) throws IOException {
        if (sub.equals("clear")) {
            Args a = Args.parse(words, Set.of(), Set.of());
            a.expectPositional(1, "snapferry store clear POOL");
            String pool = DatasetName.of(a.positional(0, "POOL")).pool();
            api().delete("/pools/" + pool + "/quarantine");
            out.println("pool " + pool + " is open to writes again");
            return;
        }
        if (!sub.equals("verify") && !sub.equals("gc")) {
            throw new UsageException("usage: snapferry store verify POOL | store gc POOL | store clear POOL");
        }
        Args a = Args.parse(words, Set.of(), Set.of("json"));
        a.expectPositional(1, "snapferry store " + sub + " POOL");
        String pool = DatasetName.of(a.positional(0, "POOL")).pool();
        JsonNode r = api().post("/pools/" + pool + "/" + sub, Map.of());
        if (a.flag("json") || sub.equals("gc")) {
            printJson(r);
            if (sub.equals("gc")) {
                return;
            }
        }
        int damaged = r.path("damagedChunks").size() + r.path("missingChunks").size() + r.path("damagedManifests").size();
        if (!a.flag("json")) {
            out.println("checked " + r.path("chunksChecked").asLong() + " chunks (" + Table.bytes(r.path("bytesChecked").asLong())
                    + "): " + (damaged == 0 ? "no damage" : damaged + " damaged"));
            r.path("damagedChunks").fields().forEachRemaining(e -> out.println("damaged chunk " + e.getKey() + " in " + e.getValue()));
            r.path("missingChunks").fields().forEachRemaining(e -> out.println("missing chunk " + e.getKey() + " in " + e.getValue()));
        }
        if (damaged > 0) {
            throw new CliException("pool " + pool + " has damage; see above");
        }
    }

    private void dataset(String sub, List<String> words) throws IOException {
        switch (sub) {
            case "list" -> {
                Args a = Args.parse(words, Set.of(), Set.of("json"));
                a.expectPositional(0, "snapferry dataset list [--json]");
                JsonNode list = api().get("/datasets");
                if (a.flag("json")) {
                    printJson(list);
                    return;
                }
                Table t = new Table("NAME", "USED", "AVAIL", "MOUNTPOINT", "PROVIDER");
                for (JsonNode d : list) {
                    t.row(d.path("name").asText(), Table.bytes(d.path("used").asLong()), Table.bytes(d.path("available").asLong()),
                            d.path("mountpoint").asText("-"), d.path("provider").asText());
                }
                t.print(out);
            }
            case "create" -> {
                Args a = Args.parse(words, Set.of("volume-size", "device"), Set.of());
                a.expectPositional(1, "snapferry dataset create NAME [--volume-size SIZE | --device /dev/...]");
                DatasetName name = DatasetName.of(a.positional(0, "NAME"));
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("name", name.value());
                if (a.value("volume-size").isPresent() && a.value("device").isPresent()) {
                    throw new UsageException("--volume-size and --device exclude each other: a volume on a device has the device's size");
                }
                a.value("volume-size").ifPresent(v -> body.put("volumeSize", size("--volume-size", v)));
                a.value("device").ifPresent(v -> body.put("device", java.nio.file.Path.of(v).toAbsolutePath().normalize().toString()));
                JsonNode d = api().post("/datasets", body);
                out.println("created " + (d.path("kind").asText().equals("volume") ? "volume " : "") + d.path("name").asText()
                        + (d.hasNonNull("mountpoint") ? " at " + d.path("mountpoint").asText() : "")
                        + (body.containsKey("device") ? " on " + body.get("device") : ""));
            }
            default -> throw new UsageException("usage: snapferry dataset list|create ...");
        }
    }

    /** A size such as 4096, 512K, 20G (K, M, G, T are powers of 1024). */
    static long size(String option, String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)(\\d+)([KMGT]?)(i?B)?").matcher(text.trim());
        if (!m.matches()) {
            throw new UsageException(option + " takes a size such as 512M or 20G (K, M, G, T are powers of 1024), not '" + text + "'");
        }
        int shift = switch (m.group(2).toUpperCase(java.util.Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), 1L << shift);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new UsageException(option + " '" + text + "' is too large");
        }
    }

    private void snapshot(String sub, List<String> words) throws IOException {
        switch (sub) {
            case "create" -> {
                Args a = Args.parse(words, Set.of("exclude"), Set.of("recursive"));
                a.expectPositional(1, "snapferry snapshot create DATASET@NAME [--recursive]");
                SnapshotName s = SnapshotName.parse(a.positional(0, "DATASET@NAME"));
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("dataset", s.dataset().value());
                body.put("name", s.name());
                body.put("recursive", a.flag("recursive"));
                body.put("exclude", a.values("exclude").stream().map(x -> DatasetName.of(x).value()).toList());
                JsonNode r = api().post("/snapshots", body);
                for (JsonNode n : r.path("created")) {
                    out.println("created " + n.asText());
                }
            }
            case "list" -> {
                Args a = Args.parse(words, Set.of(), Set.of("json"));
                a.expectPositional(1, "snapferry snapshot list DATASET [--json]");
                DatasetName d = DatasetName.of(a.positional(0, "DATASET"));
                JsonNode list = api().get("/snapshots" + ApiClient.query(Map.of("dataset", d.value())));
                if (a.flag("json")) {
                    printJson(list);
                    return;
                }
                Table t = new Table("NAME", "CREATED", "USED", "REFER", "HOLDS");
                for (JsonNode s : list) {
                    t.row(s.path("name").asText(), s.path("createdAt").asText(), Table.bytes(s.path("used").asLong()),
                            Table.bytes(s.path("referenced").asLong()), s.path("holds").asInt());
                }
                t.print(out);
            }
            case "destroy" -> {
                Args a = Args.parse(words, Set.of(), Set.of());
                a.expectPositional(1, "snapferry snapshot destroy DATASET@NAME");
                SnapshotName s = SnapshotName.parse(a.positional(0, "DATASET@NAME"));
                JsonNode r = api().delete("/snapshots" + ApiClient.query(Map.of("name", s.toString())));
                for (JsonNode n : r.path("destroyed")) {
                    out.println("destroyed " + n.asText());
                }
                if (r.path("skipped").size() > 0) {
                    var it = r.path("skipped").fields();
                    StringBuilder why = new StringBuilder();
                    while (it.hasNext()) {
                        var e = it.next();
                        why.append(e.getKey()).append(": ").append(e.getValue().asText());
                    }
                    throw new CliException("not destroyed: " + why);
                }
            }
            case "rollback" -> {
                Args a = Args.parse(words, Set.of(), Set.of("destroy-newer"));
                a.expectPositional(1, "snapferry snapshot rollback DATASET@NAME [--destroy-newer]");
                SnapshotName s = SnapshotName.parse(a.positional(0, "DATASET@NAME"));
                api().post("/snapshots/rollback", Map.of("name", s.toString(), "destroyNewer", a.flag("destroy-newer")));
                out.println("rolled back to " + s);
            }
            case "hold", "release" -> {
                Args a = Args.parse(words, Set.of(), Set.of());
                a.expectPositional(2, "snapferry snapshot " + sub + " DATASET@NAME TAG");
                SnapshotName s = SnapshotName.parse(a.positional(0, "DATASET@NAME"));
                String tag = a.positional(1, "TAG");
                if (sub.equals("hold")) {
                    api().post("/snapshots/holds", Map.of("name", s.toString(), "tag", tag));
                    out.println("held " + s + " with " + tag);
                } else {
                    api().delete("/snapshots/holds" + ApiClient.query(Map.of("name", s.toString(), "tag", tag)));
                    out.println("released " + tag + " on " + s);
                }
            }
            case "browse" -> {
                Args a = Args.parse(words, Set.of(), Set.of("json"));
                if (a.positional().isEmpty() || a.positional().size() > 2) {
                    throw new UsageException("usage: snapferry snapshot browse DATASET@NAME [PATH] [--json]");
                }
                SnapshotName s = SnapshotName.parse(a.positional(0, "DATASET@NAME"));
                String path = a.positional().size() > 1 ? a.positional(1, "PATH") : "/";
                JsonNode list = api().get("/snapshots/browse" + ApiClient.query(Map.of("name", s.toString(), "path", path)));
                if (a.flag("json")) {
                    printJson(list);
                    return;
                }
                Table t = new Table("NAME", "TYPE", "SIZE", "MODE", "MODIFIED");
                for (JsonNode e : list) {
                    t.row(e.path("name").asText() + (e.hasNonNull("linkTarget") ? " -> " + e.path("linkTarget").asText() : ""),
                            e.path("type").asText(), Table.bytes(e.path("size").asLong()),
                            String.format("%04o", e.path("mode").asInt()), e.path("mtime").asText());
                }
                t.print(out);
            }
            case "restore" -> {
                Args a = Args.parse(words, Set.of("to"), Set.of());
                a.expectPositional(2, "snapferry snapshot restore DATASET@NAME PATH --to DESTINATION");
                SnapshotName s = SnapshotName.parse(a.positional(0, "DATASET@NAME"));
                String to = java.nio.file.Path.of(a.required("to")).toAbsolutePath().normalize().toString();
                api().post("/snapshots/restore", Map.of("name", s.toString(), "path", a.positional(1, "PATH"), "destination", to));
                out.println("restored " + a.positional(1, "PATH") + " from " + s + " to " + to);
            }
            default -> throw new UsageException("usage: snapferry snapshot create|list|destroy|rollback|hold|release|browse|restore ...");
        }
    }
}
