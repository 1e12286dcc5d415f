package io.snapferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.config.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code keypair}, {@code host-key}, {@code connection}, {@code peer} and {@code pair-token}. */
final class SshCommands {
    private final TaskCommands.ApiCall api;
    private final java.io.PrintStream out;

    SshCommands(TaskCommands.ApiCall api, java.io.PrintStream out) {
        this.api = api;
        this.out = out;
    }

    private void print(JsonNode node) throws IOException {
        out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(node));
    }

    /** Names go into URL paths: checked here so that a slash never reaches one. */
    private static String name(String n, String what) {
        if (!n.matches("[a-z0-9][a-z0-9_-]{0,63}")) {
            throw new UsageException("invalid " + what + " name '" + n.replaceAll("[^\\x20-\\x7e]", "?")
                    + "': use 1 to 64 of lower-case letters, digits, '_' and '-', starting with a letter or digit");
        }
        return n;
    }

    void keypair(String sub, List<String> words) throws IOException {
        switch (sub) {
            case "create" -> {
                Args a = Args.parse(words, Set.of("type", "comment"), Set.of());
                a.expectPositional(1, "snapferry keypair create NAME [--type ed25519|rsa] [--comment TEXT]");
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("name", name(a.positional(0, "NAME"), "key pair"));
                body.put("type", a.value("type").orElse("ed25519"));
                a.value("comment").ifPresent(c -> body.put("comment", c));
                JsonNode k = api.get().post("/keypairs", body);
                out.println("created key pair " + k.path("name").asText() + " (" + k.path("fingerprint").asText() + ")");
                out.println(k.path("publicKey").asText());
            }
            case "import" -> {
                Args a = Args.parse(words, Set.of("file", "passphrase-file"), Set.of());
                a.expectPositional(1, "snapferry keypair import NAME --file PRIVATE_KEY [--passphrase-file FILE]");
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("name", name(a.positional(0, "NAME"), "key pair"));
                body.put("privateKey", readFile(a.required("file"), "private key"));
                if (a.value("passphrase-file").isPresent()) {
                    String p = readFile(a.value("passphrase-file").get(), "passphrase");
                    body.put("passphrase", p.endsWith("\n") ? p.substring(0, p.length() - 1) : p);
                }
                JsonNode k = api.get().post("/keypairs/import", body);
                out.println("imported key pair " + k.path("name").asText() + " (" + k.path("fingerprint").asText() + ")");
                out.println(k.path("publicKey").asText());
            }
            case "list" -> {
                Args a = Args.parse(words, Set.of(), Set.of("json"));
                a.expectPositional(0, "snapferry keypair list [--json]");
                JsonNode list = api.get().get("/keypairs");
                if (a.flag("json")) {
                    print(list);
                    return;
                }
                Table t = new Table("NAME", "TYPE", "FINGERPRINT", "COMMENT");
                for (JsonNode k : list) {
                    t.row(k.path("name").asText(), k.path("type").asText(), k.path("fingerprint").asText(), k.path("comment").asText());
                }
                t.print(out);
            }
            case "show" -> {
                Args a = Args.parse(words, Set.of(), Set.of("json"));
                a.expectPositional(1, "snapferry keypair show NAME [--json]");
                JsonNode k = api.get().get("/keypairs/" + name(a.positional(0, "NAME"), "key pair"));
                if (a.flag("json")) {
                    print(k);
                    return;
                }
                out.println("name:        " + k.path("name").asText());
                out.println("type:        " + k.path("type").asText());
                out.println("fingerprint: " + k.path("fingerprint").asText());
                out.println(k.path("publicKey").asText());
            }
            case "delete" -> {
                Args a = Args.parse(words, Set.of(), Set.of());
                a.expectPositional(1, "snapferry keypair delete NAME");
                String n = name(a.positional(0, "NAME"), "key pair");
                api.get().delete("/keypairs/" + n);
                out.println("deleted key pair " + n);
            }
            default -> throw new UsageException("usage: snapferry keypair create|import|list|show|delete ...");
        }
    }

    private static String readFile(String file, String what) throws IOException {
        try {
            return Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CliException("the " + what + " file " + file + " does not exist");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new CliException("cannot read the " + what + " file " + file + ": permission denied");
        }
    }

    void hostKey(List<String> words) throws IOException {
        Args a = Args.parse(words, Set.of(), Set.of("json"));
        a.expectPositional(0, "snapferry host-key [--json]");
        JsonNode k = api.get().get("/host-key");
        if (a.flag("json")) {
            print(k);
            return;
        }
        String line = k.path("publicKey").asText();
        out.println(line);
        out.println(keygenLine(line, k.path("fingerprint").asText()));
    }

    /** As {@code ssh-keygen -l} prints a key without a comment: bits, fingerprint, "no comment", type. */
    static String keygenLine(String publicKeyLine, String fingerprint) {
        String type = publicKeyLine.split(" ", 2)[0];
        String bits = switch (type) {
            case "ssh-ed25519" -> "256 ";
            case "ecdsa-sha2-nistp256" -> "256 ";
            case "ecdsa-sha2-nistp384" -> "384 ";
            case "ecdsa-sha2-nistp521" -> "521 ";
            default -> "";
        };
        String shown = switch (type) {
            case "ssh-ed25519" -> "ED25519";
            case "ssh-rsa" -> "RSA";
            default -> type.startsWith("ecdsa") ? "ECDSA" : type;
        };
        return bits + fingerprint + " no comment (" + shown + ")";
    }

    private static final Set<String> CONNECTION_VALUED = Set.of("name", "host", "port", "user", "keypair", "host-key", "timeout", "cipher",
            "url", "token", "permissions");

    void connection(String sub, List<String> words) throws IOException {
        switch (sub) {
            case "create" -> {
                Args a = Args.parse(words, CONNECTION_VALUED, Set.of("discover-host-key", "yes"));
                String usage = "snapferry connection create --name N --host H [--port P] [--user U] --keypair K "
                        + "(--host-key \"ssh-ed25519 AAAA...\" | --discover-host-key [--yes])";
                a.expectPositional(0, usage);
                Map<String, Object> body = connectionBody(a);
                body.put("name", name(a.required("name"), "connection"));
                a.required("host");
                a.required("keypair");
                body.put("hostKey", hostKey(a, usage, String.valueOf(body.get("host")), (Integer) body.getOrDefault("port", 8022)));
                JsonNode c = api.get().post("/connections", body);
                out.println("created connection " + c.path("name").asText() + " to " + c.path("user").asText() + "@" + c.path("host").asText()
                        + ":" + c.path("port").asInt() + ", host key " + c.path("hostKeyFingerprint").asText());
            }
            case "update" -> {
                Args a = Args.parse(words, CONNECTION_VALUED, Set.of("discover-host-key", "yes"));
                String usage = "snapferry connection update N [--host H] [--port P] [--user U] [--keypair K] [--timeout S] "
                        + "[--host-key KEY | --discover-host-key --yes]";
                a.expectPositional(1, usage);
                String n = name(a.positional(0, "N"), "connection");
                Map<String, Object> body = connectionBody(a);
                if (a.value("host-key").isPresent() || a.flag("discover-host-key")) {
                    JsonNode old = api.get().get("/connections/" + n);
                    String host = (String) body.getOrDefault("host", old.path("host").asText());
                    int port = (Integer) body.getOrDefault("port", old.path("port").asInt());
                    body.put("hostKey", hostKey(a, usage, host, port));
                }
                if (body.isEmpty()) {
                    throw new UsageException("nothing to change; usage: " + usage);
                }
                JsonNode c = api.get().put("/connections/" + n, body);
                out.println("updated connection " + c.path("name").asText() + ": " + c.path("user").asText() + "@" + c.path("host").asText()
                        + ":" + c.path("port").asInt() + ", host key " + c.path("hostKeyFingerprint").asText());
            }
            case "pair" -> {
                Args a = Args.parse(words, CONNECTION_VALUED, Set.of());
                a.expectPositional(0, "snapferry connection pair --name N --url https://HOST:PORT --token T [--keypair K] "
                        + "[--permissions receive|read|both]");
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("name", name(a.required("name"), "connection"));
                body.put("url", a.required("url"));
                body.put("token", a.required("token"));
                a.value("keypair").ifPresent(k -> body.put("keyPair", name(k, "key pair")));
                a.value("permissions").ifPresent(p -> body.put("permissions", p));
                JsonNode c = api.get().post("/connections/pair", body);
                out.println("paired: connection " + c.path("name").asText() + " to " + c.path("user").asText() + "@" + c.path("host").asText()
                        + ":" + c.path("port").asInt() + " with key pair " + c.path("keyPair").asText() + ", host key "
                        + c.path("hostKeyFingerprint").asText() + " pinned");
            }
            case "list" -> {
                Args a = Args.parse(words, Set.of(), Set.of("json"));
                a.expectPositional(0, "snapferry connection list [--json]");
                JsonNode list = api.get().get("/connections");
                if (a.flag("json")) {
                    print(list);
                    return;
                }
                Table t = new Table("NAME", "TARGET", "KEY PAIR", "HOST KEY");
                for (JsonNode c : list) {
                    t.row(c.path("name").asText(), c.path("user").asText() + "@" + c.path("host").asText() + ":" + c.path("port").asInt(),
                            c.path("keyPair").asText(), c.path("hostKeyFingerprint").asText());
                }
                t.print(out);
            }
            case "show" -> {
                Args a = Args.parse(words, Set.of(), Set.of("json"));
                a.expectPositional(1, "snapferry connection show N [--json]");
                JsonNode c = api.get().get("/connections/" + name(a.positional(0, "N"), "connection"));
                if (a.flag("json")) {
                    print(c);
                    return;
                }
                out.println("name:      " + c.path("name").asText());
                out.println("target:    " + c.path("user").asText() + "@" + c.path("host").asText() + ":" + c.path("port").asInt());
                out.println("key pair:  " + c.path("keyPair").asText());
                out.println("host key:  " + c.path("hostKeyFingerprint").asText() + " " + c.path("hostKey").asText());
                out.println("timeout:   " + c.path("connectTimeoutSeconds").asInt() + " s");
                out.println("ciphers:   " + String.join(", ", Json.mapper().convertValue(c.path("ciphers"), String[].class)));
            }
            case "test" -> {
                Args a = Args.parse(words, Set.of(), Set.of("json"));
                a.expectPositional(1, "snapferry connection test N");
                String n = name(a.positional(0, "N"), "connection");
                JsonNode r = api.get().post("/connections/" + n + "/test", Map.of());
                if (a.flag("json")) {
                    print(r);
                } else {
                    out.println(r.path("outcome").asText().toLowerCase().replace('_', ' ') + ": " + r.path("message").asText());
                }
                if (!r.path("ok").asBoolean()) {
                    throw new CliException("connection " + n + " failed its test (" + r.path("outcome").asText() + ")");
                }
            }
            case "delete" -> {
                Args a = Args.parse(words, Set.of(), Set.of());
                a.expectPositional(1, "snapferry connection delete N");
                String n = name(a.positional(0, "N"), "connection");
                api.get().delete("/connections/" + n);
                out.println("deleted connection " + n);
            }
            default -> throw new UsageException("usage: snapferry connection create|pair|list|show|test|update|delete ...");
        }
    }

    private Map<String, Object> connectionBody(Args a) {
        Map<String, Object> body = new LinkedHashMap<>();
        a.value("host").ifPresent(h -> body.put("host", h));
        if (a.value("port").isPresent()) {
            body.put("port", a.intValue("port", 8022, 1, 65535));
        }
        a.value("user").ifPresent(u -> body.put("user", u));
        a.value("keypair").ifPresent(k -> body.put("keyPair", name(k, "key pair")));
        if (a.value("timeout").isPresent()) {
            body.put("connectTimeoutSeconds", a.intValue("timeout", 15, 1, 600));
        }
        if (!a.values("cipher").isEmpty()) {
            body.put("ciphers", a.values("cipher"));
        }
        return body;
    }

    /** The host key from --host-key, or discovered and confirmed with --yes. */
    private String hostKey(Args a, String usage, String host, int port) throws IOException {
        if (a.value("host-key").isPresent() == a.flag("discover-host-key")) {
            throw new UsageException("give exactly one of --host-key and --discover-host-key; usage: " + usage);
        }
        if (a.value("host-key").isPresent()) {
            return a.value("host-key").get();
        }
        JsonNode k = api.get().post("/connections/discover-host-key", Map.of("host", host, "port", port));
        out.println("the SSH server at " + host + ":" + port + " presents host key " + k.path("fingerprint").asText());
        out.println(k.path("publicKey").asText());
        if (!a.flag("yes")) {
            throw new CliException("not saved: compare this fingerprint with 'snapferry host-key' on the other box, "
                    + "then run the same command again with --yes to pin it");
        }
        return k.path("publicKey").asText();
    }

    void peer(String sub, List<String> words) throws IOException {
        switch (sub) {
            case "list" -> {
                Args a = Args.parse(words, Set.of(), Set.of("json"));
                a.expectPositional(0, "snapferry peer list [--json]");
                JsonNode list = api.get().get("/peers");
                if (a.flag("json")) {
                    print(list);
                    return;
                }
                Table t = new Table("NAME", "FINGERPRINT", "RECEIVE ROOT", "READABLE");
                for (JsonNode p : list) {
                    t.row(p.path("name").asText(), p.path("fingerprint").asText(), p.path("receiveRoot").asText("-"),
                            p.path("readable").size() == 0 ? "-" : String.join(",", Json.mapper().convertValue(p.path("readable"), String[].class)));
                }
                t.print(out);
            }
            case "show" -> {
                Args a = Args.parse(words, Set.of(), Set.of("json"));
                a.expectPositional(1, "snapferry peer show NAME [--json]");
                JsonNode p = api.get().get("/peers/" + name(a.positional(0, "NAME"), "peer"));
                if (a.flag("json")) {
                    print(p);
                    return;
                }
                out.println("name:         " + p.path("name").asText());
                out.println("fingerprint:  " + p.path("fingerprint").asText());
                out.println("receive root: " + p.path("receiveRoot").asText("none (may not receive)"));
                out.println("readable:     " + (p.path("readable").size() == 0 ? "none"
                        : String.join(", ", Json.mapper().convertValue(p.path("readable"), String[].class))));
                out.println(p.path("publicKey").asText());
            }
            case "update" -> {
                Args a = Args.parse(words, Set.of("receive-root", "read"), Set.of("no-receive", "no-read"));
                String usage = "snapferry peer update NAME [--receive-root D | --no-receive] [--read D]... [--no-read]";
                a.expectPositional(1, usage);
                String n = name(a.positional(0, "NAME"), "peer");
                Map<String, Object> body = new LinkedHashMap<>();
                if (a.flag("no-receive") && a.value("receive-root").isPresent()) {
                    throw new UsageException("--receive-root and --no-receive contradict each other");
                }
                if (a.flag("no-read") && !a.values("read").isEmpty()) {
                    throw new UsageException("--read and --no-read contradict each other");
                }
                a.value("receive-root").ifPresent(r -> body.put("receiveRoot", r));
                if (a.flag("no-receive")) {
                    body.put("receiveRoot", null);
                }
                if (!a.values("read").isEmpty()) {
                    body.put("readable", a.values("read"));
                }
                if (a.flag("no-read")) {
                    body.put("readable", List.of());
                }
                if (body.isEmpty()) {
                    throw new UsageException("nothing to change; usage: " + usage);
                }
                JsonNode p = api.get().put("/peers/" + n, body);
                out.println("updated peer " + p.path("name").asText() + ": receive root " + p.path("receiveRoot").asText("none")
                        + ", readable " + p.path("readable"));
            }
            case "delete" -> {
                Args a = Args.parse(words, Set.of(), Set.of());
                a.expectPositional(1, "snapferry peer delete NAME");
                String n = name(a.positional(0, "NAME"), "peer");
                api.get().delete("/peers/" + n);
                out.println("removed peer " + n + "; it can no longer connect");
            }
            default -> throw new UsageException("usage: snapferry peer list|show|update|delete ...");
        }
    }

    void pairToken(List<String> words) throws IOException {
        Args a = Args.parse(words, Set.of("permissions", "receive-root", "read", "ttl"), Set.of());
        a.expectPositional(0, "snapferry pair-token [--permissions receive|read|both] [--receive-root D] [--read D]... [--ttl 15m]");
        Map<String, Object> body = new LinkedHashMap<>();
        a.value("permissions").ifPresent(p -> body.put("permissions", p));
        a.value("receive-root").ifPresent(r -> body.put("receiveRoot", r));
        body.put("readable", a.values("read"));
        a.value("ttl").ifPresent(t -> body.put("ttl", t));
        JsonNode t = api.get().post("/pair-tokens", body);
        JsonNode g = t.path("grant");
        out.println("a one-time pairing token, valid until " + t.path("expiresAt").asText() + "; it is shown only now.");
        out.println("grants: " + (g.path("receive").asBoolean() ? "receive into " + g.path("receiveRoot").asText("<pool>/from-<peer>") : "no receive")
                + (g.path("readable").size() > 0 ? ", read " + g.path("readable") : ""));
        out.println("on the other box run: snapferry connection pair --name NAME --url https://THIS-BOX:PORT --token TOKEN");
        out.println(t.path("token").asText());
    }
}
