package io.snapferry.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.config.Json;
import io.snapferry.dataset.DatasetName;
import io.snapferry.daemon.tasks.TaskHistory;
import io.snapferry.daemon.tasks.TaskRun;
import io.snapferry.dataset.InMemoryDatasetProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /api/v1/tasks/events}: the Server-Sent Events stream of task runs. */
class TaskEventsTest {
    @TempDir
    Path tmp;

    @Test
    void streamsStartLogAndEndOfARunToAnAuthenticatedClient() throws Exception {
        try (TestBox box = new TestBox(tmp.resolve("data"), Clock.systemUTC(),
                List.of(new InMemoryDatasetProvider(Clock.systemUTC(), "tank")))) {
            String url = box.appliance().web().url();
            HttpClient http = HttpClient.newBuilder().sslContext(WebClient.trustAll()).build();
            HttpRequest anonymous = HttpRequest.newBuilder(URI.create(url + "/api/v1/tasks/events"))
                    .header("Accept", "text/event-stream").build();
            assertThat(http.send(anonymous, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);

            HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/api/v1/tasks/events"))
                    .header("Accept", "text/event-stream")
                    .header("Authorization", "Bearer " + box.dataDir().adminToken()).build();
            HttpResponse<Stream<String>> resp = http.send(req, HttpResponse.BodyHandlers.ofLines());
            assertThat(resp.statusCode()).isEqualTo(200);
            assertThat(resp.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
            try (Stream<String> lines = resp.body()) {
                Iterator<String> it = lines.iterator();
                List<Map.Entry<String, JsonNode>> events = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                    while (!it.next().startsWith("data: {\"type\":\"ready\"")) {
                        // the subscription is in place once this comment arrives
                    }
                    TaskHistory h = box.appliance().history();
                    String id = h.start("snapshot", "nightly");
                    h.log(id, "INFO", "created tank@<b>x</b>");
                    h.end(id, TaskRun.State.FAILED, "1 of 2 failed");
                    List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
                    String name = null;
                    while (out.size() < 3) {
                        String line = it.next();
                        if (line.startsWith("event: ")) {
                            name = line.substring(7);
                        } else if (line.startsWith("data: ")) {
                            out.add(Map.entry(name, Json.mapper().readTree(line.substring(6))));
                        }
                    }
                    return out;
                });
                assertThat(events).extracting(Map.Entry::getKey).containsExactly("start", "log", "end");
                assertThat(events).extracting(e -> e.getValue().path("type").asText()).containsExactly("start", "log", "end");
                JsonNode start = events.get(0).getValue();
                assertThat(start.path("kind").asText()).isEqualTo("snapshot");
                assertThat(start.path("subject").asText()).isEqualTo("nightly");
                assertThat(start.path("state").asText()).isEqualTo("RUNNING");
                JsonNode log = events.get(1).getValue();
                assertThat(log.path("id").asText()).isEqualTo(start.path("id").asText());
                assertThat(log.path("level").asText()).isEqualTo("INFO");
                assertThat(log.path("message").asText()).isEqualTo("created tank@<b>x</b>");
                JsonNode end = events.get(2).getValue();
                assertThat(end.path("state").asText()).isEqualTo("FAILED");
                assertThat(end.path("result").asText()).isEqualTo("1 of 2 failed");
                assertThat(end.path("endedAt").asText()).isNotEmpty();
            }
        }
    }

    @Test
    void aRunningReplicationSendsProgressEventsWithUnknownsAsNull() throws Exception {
        InMemoryDatasetProvider zfs = new InMemoryDatasetProvider(Clock.systemUTC(), "tank", "backup");
        DatasetName vm = DatasetName.of("tank/vm");
        zfs.createDataset(vm);
        byte[] image = new byte[3 << 20];
        new java.util.Random(13).nextBytes(image);
        zfs.write(vm, "disk.img", image);
        zfs.createSnapshots(List.of(vm.snapshot("auto-2026-01-01_00-00")));
        try (TestBox box = new TestBox(tmp.resolve("data"), Clock.systemUTC(), List.of(zfs))) {
            String url = box.appliance().web().url();
            WebClient api = new WebClient(url);
            api.bearer(box.dataDir().adminToken());
            // Slowed to 1 MiB/s: about 3 s of transfer, so several progress events
            WebClient.Response made = api.post("/api/v1/replications", Map.of("name", "vm-copy", "sources", List.of("tank/vm"),
                    "target", "backup/vm", "naming", List.of("auto-%Y-%m-%d_%H-%M"), "bandwidthLimit", "1M"));
            assertThat(made.status()).as(made.body()).isEqualTo(201);

            HttpClient http = HttpClient.newBuilder().sslContext(WebClient.trustAll()).build();
            HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/api/v1/tasks/events"))
                    .header("Accept", "text/event-stream")
                    .header("Authorization", "Bearer " + box.dataDir().adminToken()).build();
            HttpResponse<Stream<String>> resp = http.send(req, HttpResponse.BodyHandlers.ofLines());
            try (Stream<String> lines = resp.body()) {
                Iterator<String> it = lines.iterator();
                List<JsonNode> events = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                    while (!it.next().startsWith("data: {\"type\":\"ready\"")) {
                        // subscribed once ready arrives
                    }
                    assertThat(api.post("/api/v1/replications/vm-copy/run", null).status()).isEqualTo(202);
                    List<JsonNode> out = new ArrayList<>();
                    while (true) {
                        String line = it.next();
                        if (line.startsWith("data: ")) {
                            JsonNode e = Json.mapper().readTree(line.substring(6));
                            out.add(e);
                            if (e.path("type").asText().equals("end") && e.path("kind").asText().equals("replication")) {
                                return out;
                            }
                        }
                    }
                });
                JsonNode start = events.stream().filter(e -> e.path("type").asText().equals("start")).findFirst().orElseThrow();
                List<JsonNode> progress = events.stream().filter(e -> e.path("type").asText().equals("progress")).toList();
                assertThat(progress).hasSizeBetween(2, 12); // about one a second, plus each step's start
                assertThat(progress).allSatisfy(p -> {
                    assertThat(p.path("id").asText()).isEqualTo(start.path("id").asText());
                    assertThat(p.path("kind").asText()).isEqualTo("replication");
                    assertThat(p.path("subject").asText()).isEqualTo("vm-copy");
                    assertThat(p.path("snapshot").asText()).isEqualTo("auto-2026-01-01_00-00");
                    // the in-memory fake cannot estimate a send: unknown, as null rather than a guess
                    assertThat(p.has("totalBytes") && p.get("totalBytes").isNull()).isTrue();
                    assertThat(p.has("etaSeconds") && p.get("etaSeconds").isNull()).isTrue();
                });
                assertThat(progress.get(progress.size() - 1).path("bytes").asLong()).isGreaterThan(1L << 20);
                assertThat(progress.get(progress.size() - 1).path("bytesPerSecond").asDouble()).isPositive();
            }
        }
    }
}
