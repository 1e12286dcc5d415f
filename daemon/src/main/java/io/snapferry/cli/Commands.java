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
    private ApiClient api;

    Commands(DataDir dir, PrintStream out) {
        this.dir = dir;
        this.out = out;
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
            case "snapshot-task" -> new TaskCommands(this::api, out).snapshotTask(sub, rest);
            case "retention" -> new TaskCommands(this::api, out).retention(sub, rest);
            case "task" -> new TaskCommands(this::api, out).task(sub, rest);
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
        out.println("snapferry " + s.path("version").asText() + " on " + s.path("url").asText()
                + ", pools: " + s.path("pools").toString());
        {
            Table t = new Table("SERVICE", "STATE", "WHY");
            for (JsonNode svc : s.path("services")) {
                t.row(svc.path("name").asText(), svc.path("state").asText().toLowerCase(), svc.path("why").asText(""));
            }
            t.print(out);
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
                Args a = Args.parse(words, Set.of(), Set.of());
                a.expectPositional(1, "snapferry dataset create NAME");
                DatasetName name = DatasetName.of(a.positional(0, "NAME"));
                JsonNode d = api().post("/datasets", Map.of("name", name.value()));
                out.println("created " + d.path("name").asText()
                        + (d.hasNonNull("mountpoint") ? " at " + d.path("mountpoint").asText() : ""));
            }
            default -> throw new UsageException("usage: snapferry dataset list|create ...");
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
            default -> throw new UsageException("usage: snapferry snapshot create|list|destroy|rollback|hold|release ...");
        }
    }
}
