package io.snapferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.snapferry.daemon.config.Json;
import io.snapferry.dataset.DatasetName;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code snapshot-task}, {@code retention plan} and {@code task} commands. */
final class TaskCommands {
    private static final Set<String> TASK_VALUED = Set.of("dataset", "exclude", "naming", "schedule", "begin", "end", "lifetime",
            "keep", "grid", "pre-hook", "post-hook", "hook-timeout", "id");
    private static final Set<String> TASK_FLAGS = Set.of("recursive", "no-recursive", "allow-empty", "no-allow-empty", "disabled");

    private final ApiCall api;
    private final PrintStream out;

    interface ApiCall {
        ApiClient get() throws IOException;
    }

    TaskCommands(ApiCall api, PrintStream out) {
        this.api = api;
        this.out = out;
    }

    void snapshotTask(String sub, List<String> words) throws IOException {
        switch (sub) {
            case "create" -> {
                Args a = Args.parse(words, TASK_VALUED, TASK_FLAGS);
                a.expectPositional(0, "snapferry snapshot-task create --dataset D --naming SCHEMA --schedule CRON ...");
                a.required("dataset");
                a.required("schedule");
                JsonNode t = api.get().post("/snapshot-tasks", taskBody(a, true));
                out.println("created snapshot task on " + t.path("task").path("dataset").asText() + ", "
                        + t.path("scheduleDescription").asText());
                out.println(t.path("task").path("id").asText());
            }
            case "update" -> {
                Args a = Args.parse(words, TASK_VALUED, TASK_FLAGS);
                a.expectPositional(1, "snapferry snapshot-task update ID [options as for create]");
                JsonNode t = api.get().put("/snapshot-tasks/" + id(a.positional(0, "ID")), taskBody(a, false));
                out.println("updated " + t.path("task").path("id").asText());
            }
            case "list" -> {
                Args a = Args.parse(words, Set.of(), Set.of("json"));
                a.expectPositional(0, "snapferry snapshot-task list [--json]");
                JsonNode list = api.get().get("/snapshot-tasks");
                if (a.flag("json")) {
                    print(list);
                    return;
                }
                Table t = new Table("ID", "DATASET", "SCHEDULE", "NAMING", "ENABLED", "NEXT RUN", "LAST RESULT");
                for (JsonNode v : list) {
                    JsonNode task = v.path("task");
                    t.row(task.path("id").asText(), task.path("dataset").asText() + (task.path("recursive").asBoolean() ? " (recursive)" : ""),
                            task.path("schedule").asText(), task.path("naming").asText(), task.path("enabled").asBoolean() ? "yes" : "no",
                            v.path("nextRun").asText("-"), v.path("lastRun").path("result").asText("-"));
                }
                t.print(out);
            }
            case "show" -> {
                Args a = Args.parse(words, Set.of(), Set.of());
                a.expectPositional(1, "snapferry snapshot-task show ID");
                print(api.get().get("/snapshot-tasks/" + id(a.positional(0, "ID"))));
            }
            case "run" -> {
                Args a = Args.parse(words, Set.of(), Set.of("wait"));
                a.expectPositional(1, "snapferry snapshot-task run ID [--wait]");
                String id = id(a.positional(0, "ID"));
                JsonNode r = api.get().post("/snapshot-tasks/" + id + "/run" + (a.flag("wait") ? "?wait=true" : ""), Map.of());
                if (!a.flag("wait")) {
                    out.println("started " + id);
                    return;
                }
                for (JsonNode l : r.path("log")) {
                    out.println(l.path("time").asText() + " " + l.path("level").asText() + " " + l.path("message").asText());
                }
                out.println(r.path("state").asText().toLowerCase() + ": " + r.path("result").asText());
                if (r.path("state").asText().equals("FAILED")) {
                    throw new CliException("snapshot task " + id + " failed: " + r.path("result").asText());
                }
            }
            case "enable", "disable", "delete" -> {
                Args a = Args.parse(words, Set.of(), Set.of());
                a.expectPositional(1, "snapferry snapshot-task " + sub + " ID");
                String id = id(a.positional(0, "ID"));
                if (sub.equals("delete")) {
                    api.get().delete("/snapshot-tasks/" + id);
                } else {
                    api.get().post("/snapshot-tasks/" + id + "/" + sub, Map.of());
                }
                out.println(sub + (sub.endsWith("e") ? "d " : "ed ") + id);
            }
            default -> throw new UsageException("usage: snapferry snapshot-task create|list|show|run|update|enable|disable|delete ...");
        }
    }

    private static String id(String id) {
        if (!id.matches("[a-z0-9][a-z0-9_-]{0,63}")) {
            throw new UsageException("'" + id + "' is not a task id");
        }
        return id;
    }

    private ObjectNode taskBody(Args a, boolean create) {
        ObjectNode b = Json.mapper().createObjectNode();
        a.value("id").ifPresent(v -> b.put("id", v));
        a.value("dataset").ifPresent(v -> b.put("dataset", DatasetName.of(v).value()));
        if (a.flag("recursive")) {
            b.put("recursive", true);
        }
        if (a.flag("no-recursive")) {
            b.put("recursive", false);
        }
        if (!a.values("exclude").isEmpty()) {
            var arr = b.putArray("exclude");
            a.values("exclude").forEach(x -> arr.add(DatasetName.of(x).value()));
        }
        a.value("naming").ifPresent(v -> b.put("naming", v));
        a.value("schedule").ifPresent(v -> b.put("schedule", v));
        a.value("begin").ifPresent(v -> b.put("begin", v));
        a.value("end").ifPresent(v -> b.put("end", v));
        if (a.value("lifetime").isPresent() || a.value("keep").isPresent() || a.value("grid").isPresent() || create) {
            ObjectNode r = b.putObject("retention");
            a.value("lifetime").ifPresent(v -> r.put("lifetime", v));
            a.value("keep").ifPresent(v -> r.put("keep", v));
            a.value("grid").ifPresent(v -> r.put("grid", v));
        }
        if (create) {
            b.put("allowEmpty", a.flag("allow-empty"));
            b.put("enabled", !a.flag("disabled"));
        } else {
            if (a.flag("allow-empty")) {
                b.put("allowEmpty", true);
            }
            if (a.flag("no-allow-empty")) {
                b.put("allowEmpty", false);
            }
        }
        int timeout = a.intValue("hook-timeout", 300, 1, 86400);
        a.value("pre-hook").ifPresent(v -> b.putObject("preHook").put("command", v).put("timeoutSeconds", timeout));
        a.value("post-hook").ifPresent(v -> b.putObject("postHook").put("command", v).put("timeoutSeconds", timeout));
        return b;
    }

    void retention(String sub, List<String> words) throws IOException {
        if (!sub.equals("plan")) {
            throw new UsageException("usage: snapferry retention plan --dataset D --naming SCHEMA (--lifetime L | --keep K | --grid G) [--now TIME] [--json]");
        }
        Args a = Args.parse(words, Set.of("dataset", "naming", "lifetime", "keep", "grid", "now"), Set.of("json"));
        a.expectPositional(0, "snapferry retention plan --dataset D --naming SCHEMA (--lifetime L | --keep K | --grid G)");
        ObjectNode b = Json.mapper().createObjectNode();
        b.put("dataset", DatasetName.of(a.required("dataset")).value());
        b.put("naming", a.required("naming"));
        for (String k : List.of("lifetime", "keep", "grid", "now")) {
            a.value(k).ifPresent(v -> b.put(k, v));
        }
        JsonNode plan = api.get().post("/retention/plan", b);
        if (a.flag("json")) {
            print(plan);
            return;
        }
        Table t = new Table("SNAPSHOT", "ACTION", "REASON");
        for (JsonNode d : plan) {
            t.row(d.path("name").asText(), d.path("action").asText(), d.path("reason").asText());
        }
        t.print(out);
    }

    void task(String sub, List<String> words) throws IOException {
        switch (sub) {
            case "list" -> {
                Args a = Args.parse(words, Set.of("kind", "limit"), Set.of("json"));
                a.expectPositional(0, "snapferry task list [--json]");
                String q = ApiClient.query(Map.of("limit", String.valueOf(a.intValue("limit", 50, 1, 5000))));
                JsonNode list = api.get().get("/tasks" + q + a.value("kind").map(k -> "&kind=" + k).orElse(""));
                if (a.flag("json")) {
                    print(list);
                    return;
                }
                Table t = new Table("ID", "KIND", "SUBJECT", "STATE", "STARTED", "RESULT");
                for (JsonNode r : list) {
                    t.row(r.path("id").asText(), r.path("kind").asText(), r.path("subject").asText(),
                            r.path("state").asText().toLowerCase(), r.path("startedAt").asText(), r.path("result").asText());
                }
                t.print(out);
            }
            case "show" -> {
                Args a = Args.parse(words, Set.of(), Set.of());
                a.expectPositional(1, "snapferry task show ID");
                print(api.get().get("/tasks/" + id(a.positional(0, "ID"))));
            }
            case "log" -> {
                Args a = Args.parse(words, Set.of(), Set.of());
                a.expectPositional(1, "snapferry task log ID");
                JsonNode r = api.get().get("/tasks/" + id(a.positional(0, "ID")));
                for (JsonNode l : r.path("log")) {
                    out.println(l.path("time").asText() + " " + l.path("level").asText() + " " + l.path("message").asText());
                }
            }
            default -> throw new UsageException("usage: snapferry task list|show|log ...");
        }
    }

    private void print(JsonNode n) throws IOException {
        out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(n));
    }
}
