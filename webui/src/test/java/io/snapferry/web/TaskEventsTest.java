package io.snapferry.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.config.Json;
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
}
