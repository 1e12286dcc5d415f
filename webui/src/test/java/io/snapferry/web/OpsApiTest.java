package io.snapferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.snapferry.daemon.config.Json;
import io.snapferry.daemon.metrics.Promtool;
import io.snapferry.daemon.notify.SmtpReceiver;
import io.snapferry.daemon.notify.WebhookReceiver;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.testing.MutableClock;
import io.snapferry.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Metrics, notifications, settings, status and configuration export/import, against a whole daemon. */
class OpsApiTest {
    @TempDir
    Path tmp;
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:30Z"), ZoneOffset.UTC);
    InMemoryDatasetProvider zfs;
    TestBox box;
    WebClient admin;
    WebClient anonymous;

    @BeforeEach
    void start() throws Exception {
        zfs = new InMemoryDatasetProvider(clock, "tank");
        zfs.createDataset(DatasetName.of("tank/a"));
        box = new TestBox(tmp.resolve("data"), clock, List.of(zfs));
        admin = new WebClient(box.appliance().web().url()).bearer(box.dataDir().adminToken());
        anonymous = new WebClient(box.appliance().web().url());
        assertThat(admin.send("PUT", "/api/v1/settings", Map.of("timeZone", "UTC"), false).status()).isEqualTo(200);
    }

    @AfterEach
    void stop() throws Exception {
        box.close();
    }

    private String createTask(String dataset) {
        TestBox.Result r = box.cli("snapshot-task", "create", "--dataset", dataset, "--naming", "auto-%Y-%m-%d_%H-%M",
                "--schedule", "hourly", "--allow-empty");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        return lines.get(lines.size() - 1);
    }

    @Test
    void aFailedTaskAndItsRecoveryReachTheWebhookAndTheMetrics() throws Exception {
        try (WebhookReceiver hook = new WebhookReceiver()) {
            WebClient.Response put = admin.send("PUT", "/api/v1/settings/notifications", Map.of("targets", List.of(Map.of(
                    "id", "ops", "enabled", true, "events", List.of("FAILURE", "RECOVERY"), "webhook", Map.of("url", hook.url())))), false);
            assertThat(put.status()).as(put.body()).isEqualTo(200);
            String id = createTask("tank/a");
            assertThat(box.cli("snapshot-task", "run", id, "--wait").exit()).isZero();
            zfs.destroyDataset(DatasetName.of("tank/a"), true);
            TestBox.Result failed = box.cli("snapshot-task", "run", id, "--wait");
            assertThat(failed.exit()).isEqualTo(1);
            clock.advance(Duration.ofMinutes(1));
            zfs.createDataset(DatasetName.of("tank/a"));
            assertThat(box.cli("snapshot-task", "run", id, "--wait").exit()).isZero();

            Poll.until(Duration.ofSeconds(10), "failure and recovery", () -> hook.received().size() >= 2);
            List<JsonNode> got = hook.received();
            assertThat(got).extracting(n -> n.path("event").asText() + " " + n.path("kind").asText() + " " + n.path("subject").asText())
                    .containsExactly("FAILURE snapshot " + id, "RECOVERY snapshot " + id);
            assertThat(got.get(0).path("message").asText()).contains("tank/a");

            WebClient.Response m = anonymous.get("/metrics");
            assertThat(m.status()).isEqualTo(200);
            assertThat(m.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
            assertThat(m.body()).contains("snapferry_snapshots_taken_total{task=\"" + id + "\"} 2\n",
                    "snapferry_snapshots_failed_total{task=\"" + id + "\"} 1\n",
                    "snapferry_last_success_timestamp_seconds{kind=\"snapshot\",task=\"" + id + "\"} " + clock.instant().getEpochSecond() + "\n",
                    "snapferry_pool_size_bytes{pool=\"tank\"} ", "snapferry_task_queue_length 0\n", "snapferry_up 1\n");
            Promtool.check(m.body());
        }
    }

    @Test
    void aFailingReplicationIsWebhookedAndMailedAndItsRecoveryToo() throws Exception {
        try (WebhookReceiver hook = new WebhookReceiver(); SmtpReceiver smtp = new SmtpReceiver("box", "mail-secret")) {
            Map<String, Object> email = Map.of("host", "127.0.0.1", "port", smtp.port(), "starttls", false, "username", "box",
                    "password", "mail-secret", "from", "snapferry@box.example", "to", List.of("ops@example.com"));
            WebClient.Response put = admin.send("PUT", "/api/v1/settings/notifications", Map.of("targets", List.of(
                    Map.of("id", "ops", "enabled", true, "events", List.of("FAILURE", "RECOVERY"), "webhook", Map.of("url", hook.url())),
                    Map.of("id", "mail", "enabled", true, "events", List.of("FAILURE", "RECOVERY"), "email", email))), false);
            assertThat(put.status()).as(put.body()).isEqualTo(200);
            zfs.createSnapshots(List.of(DatasetName.of("tank/a").snapshot("auto-2026-11-22_10-00")));
            assertThat(box.cli("replication", "create", "--name", "copy", "--source", "tank/a", "--target", "tank/copy",
                    "--naming", "auto-%Y-%m-%d_%H-%M", "--retries", "0").exit()).isZero();
            assertThat(box.cli("replication", "run", "copy", "--wait").exit()).isZero();
            // The target diverges: the next run is refused and fails.
            zfs.createSnapshots(List.of(DatasetName.of("tank/copy").snapshot("local-change")));
            zfs.createSnapshots(List.of(DatasetName.of("tank/a").snapshot("auto-2026-11-22_10-15")));
            assertThat(box.cli("replication", "run", "copy", "--wait").exit()).isEqualTo(1);
            // The operator removes the stray snapshot; the next run succeeds.
            zfs.destroySnapshots(List.of(DatasetName.of("tank/copy").snapshot("local-change")));
            assertThat(box.cli("replication", "run", "copy", "--wait").exit()).isZero();

            Poll.until(Duration.ofSeconds(10), "failure and recovery by webhook", () -> hook.received().size() >= 2);
            assertThat(hook.received()).extracting(n -> n.path("event").asText() + " " + n.path("kind").asText() + " " + n.path("subject").asText())
                    .containsExactly("FAILURE replication copy", "RECOVERY replication copy");
            Poll.until(Duration.ofSeconds(10), "failure and recovery by e-mail", () -> smtp.messages().size() >= 2);
            assertThat(smtp.messages().get(0).data()).contains("Subject: [").contains("] FAILURE replication copy");
            assertThat(body(smtp.messages().get(0).data())).contains("target diverged").contains("local-change");
            assertThat(smtp.messages().get(0).to()).containsExactly("ops@example.com");
            assertThat(smtp.messages().get(1).data()).contains("] RECOVERY replication copy");
        }
    }

    @Test
    void replicationsAndConnectionsTravelWithTheConfigurationButNeverAKey() throws Exception {
        TestBox.Result key = box.cli("keypair", "create", "offsite");
        assertThat(key.exit()).as(key.err()).isZero();
        String hostKey = box.appliance().ssh().hostKey().publicKey();
        assertThat(box.cli("connection", "create", "--name", "b", "--host", "127.0.0.1", "--port", "8022", "--user", "snapferry",
                "--keypair", "offsite", "--host-key", hostKey).exit()).isZero();
        zfs.createDataset(DatasetName.of("tank/b"));
        assertThat(box.cli("replication", "create", "--name", "copy", "--source", "tank/a", "--target", "tank/b/copy",
                "--naming", "auto-%Y-%m-%d_%H-%M", "--compression", "zstd").exit()).isZero();
        TestBox.Result export = box.cli("config", "export");
        assertThat(export.exit()).as(export.err()).isZero();
        assertThat(export.out()).contains("replications:").contains("connections:").contains("name: \"copy\"")
                .doesNotContain("PRIVATE KEY");
        Path file = tmp.resolve("exported.yaml");
        Files.writeString(file, export.out());

        // A second box takes it: the connection needs its key pair there first, and says so.
        InMemoryDatasetProvider zfs2 = new InMemoryDatasetProvider(clock, "tank");
        zfs2.createDataset(DatasetName.of("tank/a"));
        zfs2.createDataset(DatasetName.of("tank/b"));
        try (TestBox second = new TestBox(tmp.resolve("second"), clock, List.of(zfs2))) {
            TestBox.Result refused = second.cli("config", "import", file.toString(), "--dry-run");
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.err()).contains("connections").contains("b").contains("no key pair named 'offsite'");
            assertThat(second.cli("keypair", "create", "offsite").exit()).isZero();
            TestBox.Result applied = second.cli("config", "import", file.toString());
            assertThat(applied.exit()).as(applied.err()).isZero();
            assertThat(applied.out()).containsPattern("connections\\s+b\\s+created").containsPattern("replications\\s+copy\\s+created");
            assertThat(second.appliance().replications().require("copy").compression().name()).isEqualTo("ZSTD");
            assertThat(second.appliance().ssh().connection("b").hostKey()).isEqualTo(hostKey);
        }
    }

    /** The text of a base64 body after the headers. */
    private static String body(String message) {
        String b64 = message.substring(message.indexOf("\r\n\r\n") >= 0 ? message.indexOf("\r\n\r\n") + 4 : message.indexOf("\n\n") + 2);
        return new String(java.util.Base64.getMimeDecoder().decode(b64.strip()), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void settingsAreValidatedFieldByFieldAndMetricsCanRequireAuthentication() {
        WebClient.Response s = admin.get("/api/v1/settings");
        assertThat(s.json().path("metricsPublic").asText()).isEqualTo("loopback");
        assertThat(s.json().path("freeSpaceThreshold").asInt()).isEqualTo(10);
        for (Map.Entry<String, Object> bad : List.<Map.Entry<String, Object>>of(Map.entry("timeZone", "Mars/Olympus"),
                Map.entry("maxParallelReplications", 0), Map.entry("metricsPublic", "everyone"), Map.entry("freeSpaceThreshold", 150),
                Map.entry("colour", "blue"))) {
            WebClient.Response r = admin.send("PUT", "/api/v1/settings", Map.of(bad.getKey(), bad.getValue()), false);
            assertThat(r.status()).as(bad.toString()).isEqualTo(400);
            assertThat(r.json().path("field").asText()).as(r.body()).isEqualTo(bad.getKey());
        }
        assertThat(anonymous.send("PUT", "/api/v1/settings", Map.of("timeZone", "UTC"), false).status()).isEqualTo(401);

        WebClient.Response ok = admin.send("PUT", "/api/v1/settings", Map.of("metricsPublic", "authenticated", "freeSpaceThreshold", 20), false);
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(ok.json().path("timeZone").asText()).isEqualTo("UTC");
        assertThat(box.appliance().settings().get().freeSpaceThreshold()).isEqualTo(20);
        assertThat(anonymous.get("/metrics").status()).isEqualTo(401);
        assertThat(admin.get("/metrics").status()).isEqualTo(200);
    }

    @Test
    void theTestNotificationIsMailedAndTheStoredPasswordIsNeverShown() throws Exception {
        try (SmtpReceiver smtp = new SmtpReceiver("box", "mail-secret")) {
            Map<String, Object> email = Map.of("host", "127.0.0.1", "port", smtp.port(), "starttls", false, "username", "box",
                    "password", "mail-secret", "from", "snapferry@box.example", "to", List.of("ops@example.com"));
            WebClient.Response put = admin.send("PUT", "/api/v1/settings/notifications", Map.of("targets", List.of(Map.of(
                    "id", "mail", "enabled", true, "events", List.of("TEST", "FAILURE"), "email", email))), false);
            assertThat(put.status()).as(put.body()).isEqualTo(200);
            assertThat(put.body()).doesNotContain("mail-secret");
            assertThat(Files.readString(box.dataDir().config().resolve("notifications.json"))).contains("mail-secret");

            // Saved again as the UI shows it, without the password: the password stays.
            JsonNode shown = admin.get("/api/v1/settings/notifications").json();
            assertThat(shown.toString()).doesNotContain("mail-secret");
            assertThat(admin.send("PUT", "/api/v1/settings/notifications", shown, false).status()).isEqualTo(200);

            WebClient.Response test = admin.post("/api/v1/settings/notifications/test", Map.of());
            assertThat(test.status()).as(test.body()).isEqualTo(200);
            assertThat(test.json().path("results").get(0).path("ok").asBoolean()).as(test.body()).isTrue();
            assertThat(smtp.messages()).singleElement().satisfies(m -> {
                assertThat(m.authUser()).isEqualTo("box");
                assertThat(m.to()).containsExactly("ops@example.com");
                assertThat(m.header("Subject")).contains("TEST");
            });

            WebClient.Response bad = admin.send("PUT", "/api/v1/settings/notifications", Map.of("targets", List.of(Map.of(
                    "id", "hook", "enabled", true, "events", List.of("TEST"), "webhook", Map.of("url", "not a url")))), false);
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.json().path("field").asText()).isEqualTo("webhook.url");
            assertThat(admin.post("/api/v1/settings/notifications/test", Map.of("target", "nope")).json().path("field").asText())
                    .isEqualTo("target");
        }
    }

    @Test
    void lowPoolSpaceIsNotified() throws Exception {
        try (WebhookReceiver hook = new WebhookReceiver()) {
            admin.send("PUT", "/api/v1/settings/notifications", Map.of("targets", List.of(Map.of(
                    "id", "ops", "enabled", true, "events", List.of("LOW_SPACE"), "webhook", Map.of("url", hook.url())))), false);
            zfs.setPoolSize(1000);
            zfs.write(DatasetName.of("tank/a"), "big", new byte[950]);
            box.appliance().spaceMonitor().check();
            Poll.until(Duration.ofSeconds(10), "the low space notification", () -> hook.received().size() >= 1);
            assertThat(hook.received().get(0).path("subject").asText()).isEqualTo("tank");
            assertThat(admin.get("/api/v1/pools").json().get(0).path("space").path("health").asText()).isEqualTo("ONLINE");
        }
    }

    @Test
    void statusListsEveryServiceWithItsState() {
        TestBox.Result r = box.cli("status", "--services");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).matches("SERVICE\\s+STATE\\s+WHY");
        assertThat(lines.subList(1, lines.size())).anyMatch(l -> l.matches("notifier\\s+running"))
                .anyMatch(l -> l.matches("scheduler\\s+running")).anyMatch(l -> l.matches("health\\s+running"))
                .anyMatch(l -> l.matches("web-server\\s+running")).anyMatch(l -> l.matches("ssh-server\\s+running"));
        assertThat(box.cli("status").out()).contains("services: " + (lines.size() - 1) + " running");
    }

    @Test
    void configurationExportsAsYamlAndImportsAllOrNothing() throws Exception {
        String daily = createTask("tank/a");
        zfs.createDataset(DatasetName.of("tank/b"));
        admin.send("PUT", "/api/v1/settings/notifications", Map.of("targets", List.of(Map.of("id", "mail", "enabled", true,
                "events", List.of("FAILURE"), "email", Map.of("host", "smtp.example", "port", 587, "starttls", true, "username", "u",
                        "password", "never-exported", "from", "a@b.example", "to", List.of("c@d.example"))))), false);
        TestBox.Result export = box.cli("config", "export");
        assertThat(export.exit()).as(export.err()).isZero();
        assertThat(export.out()).contains("snapferry: 1", "snapshotTasks:", "notificationTargets:", "timeZone: \"UTC\"")
                .doesNotContain("never-exported");

        YAMLMapper yaml = new YAMLMapper();
        ObjectNode doc = (ObjectNode) yaml.readTree(export.out());
        ArrayNode tasks = (ArrayNode) doc.get("snapshotTasks");
        ObjectNode copy = tasks.get(0).deepCopy();
        copy.put("id", "other").put("dataset", "tank/b");
        tasks.add(copy);
        ((ObjectNode) doc.get("settings")).put("freeSpaceThreshold", 15);
        Path file = tmp.resolve("box.yaml");
        Files.writeString(file, yaml.writeValueAsString(doc));

        TestBox.Result dry = box.cli("config", "import", file.toString(), "--dry-run");
        assertThat(dry.exit()).as(dry.err()).isZero();
        assertThat(dry.out()).containsPattern("settings\\s+settings\\s+updated").containsPattern("snapshotTasks\\s+" + daily + "\\s+unchanged")
                .containsPattern("snapshotTasks\\s+other\\s+created").containsPattern("notificationTargets\\s+mail\\s+unchanged")
                .contains("dry run: nothing was changed");
        assertThat(box.appliance().snapshotTasks().list()).hasSize(1);
        assertThat(box.appliance().settings().get().freeSpaceThreshold()).isEqualTo(10);

        TestBox.Result applied = box.cli("config", "import", file.toString());
        assertThat(applied.exit()).as(applied.err()).isZero();
        assertThat(box.appliance().snapshotTasks().list()).extracting(t -> t.id()).containsExactlyInAnyOrder(daily, "other");
        assertThat(box.appliance().settings().get().freeSpaceThreshold()).isEqualTo(15);
        assertThat(box.appliance().notificationTargets().get("mail").orElseThrow().email().orElseThrow().password())
                .contains("never-exported");

        // One bad item: the error names it and its field, and nothing else is applied either.
        ObjectNode third = copy.deepCopy();
        third.put("id", "third").put("naming", "third-%Y-%m-%d_%H-%M");
        ObjectNode broken = copy.deepCopy();
        broken.put("id", "broken").put("naming", "auto-%Y");
        tasks.add(third);
        tasks.add(broken);
        Files.writeString(file, yaml.writeValueAsString(doc));
        TestBox.Result bad = box.cli("config", "import", file.toString());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("snapshotTasks 'broken', field naming");
        assertThat(box.appliance().snapshotTasks().list()).hasSize(2);

        // Two new tasks of one document that would clash with each other are caught before either is created.
        tasks.remove(tasks.size() - 1);
        ObjectNode twin = third.deepCopy();
        twin.put("id", "twin");
        tasks.add(twin);
        Files.writeString(file, yaml.writeValueAsString(doc));
        assertThat(box.cli("config", "import", file.toString()).err()).contains("field naming", "could produce names");
        assertThat(box.appliance().snapshotTasks().list()).hasSize(2);

        Files.writeString(file, "snapferry: 1\nsettings: {timeZone: Mars/Olympus}\n");
        assertThat(box.cli("config", "import", file.toString()).err()).contains("settings, field timeZone");
        Files.writeString(file, "snapferry: 1\nwidgets: []\n");
        assertThat(box.cli("config", "import", file.toString()).err()).contains("widgets: unknown section");
        Files.writeString(file, "snapferry: [\n");
        assertThat(box.cli("config", "import", file.toString()).err()).contains("is not valid YAML");
        JsonNode viaApi = admin.post("/api/v1/config?dryRun=true", Json.mapper().createObjectNode().put("snapferry", 2)).json();
        assertThat(viaApi.path("field").asText()).isEqualTo("snapferry");
    }
}
