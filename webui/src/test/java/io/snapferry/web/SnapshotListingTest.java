package io.snapferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.dataset.InMemoryDatasetProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GET /api/v1/snapshots: paging, sorting and filtering, and the unpaged list the CLI reads. */
class SnapshotListingTest {
    @TempDir
    Path tmp;
    final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    TestBox box;
    WebClient api;

    @BeforeEach
    void start() throws Exception {
        box = new TestBox(tmp.resolve("data"), clock, List.of(new InMemoryDatasetProvider(clock, "tank")));
        api = new WebClient(box.appliance().web().url()).bearer(box.dataDir().adminToken());
        // Created in this order: names deliberately not in creation order.
        for (String n : List.of("daily-3", "hourly-1", "daily-1", "weekly-1", "hourly-2", "daily-2", "hourly-3")) {
            assertThat(api.post("/api/v1/snapshots", Map.of("dataset", "tank", "name", n)).status()).isEqualTo(201);
            clock.advance(Duration.ofMinutes(1));
        }
    }

    @AfterEach
    void stop() throws Exception {
        box.close();
    }

    static List<String> names(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.get("snapshot").asText()));
        return out;
    }

    @Test
    void withoutLimitTheWholeListComesAsAnArrayInCreationOrder() {
        JsonNode all = api.get("/api/v1/snapshots?dataset=tank").json();
        assertThat(all.isArray()).isTrue();
        assertThat(names(all)).containsExactly("daily-3", "hourly-1", "daily-1", "weekly-1", "hourly-2", "daily-2", "hourly-3");
        assertThat(names(api.get("/api/v1/snapshots?dataset=tank&sort=name&filter=DAILY").json()))
                .containsExactly("daily-1", "daily-2", "daily-3");
    }

    @Test
    void pagesSortAndFilter() {
        JsonNode p1 = api.get("/api/v1/snapshots?dataset=tank&limit=3&offset=0&sort=createTxg&order=desc").json();
        assertThat(p1.get("total").asInt()).isEqualTo(7);
        assertThat(p1.get("offset").asInt()).isZero();
        assertThat(p1.get("limit").asInt()).isEqualTo(3);
        assertThat(names(p1.get("items"))).containsExactly("hourly-3", "daily-2", "hourly-2");
        JsonNode p3 = api.get("/api/v1/snapshots?dataset=tank&limit=3&offset=6&sort=createTxg&order=desc").json();
        assertThat(names(p3.get("items"))).containsExactly("daily-3");
        JsonNode past = api.get("/api/v1/snapshots?dataset=tank&limit=3&offset=50").json();
        assertThat(past.get("items")).isEmpty();
        assertThat(past.get("total").asInt()).isEqualTo(7);

        JsonNode byName = api.get("/api/v1/snapshots?dataset=tank&limit=4&sort=name&order=asc").json();
        assertThat(names(byName.get("items"))).containsExactly("daily-1", "daily-2", "daily-3", "hourly-1");
        JsonNode filtered = api.get("/api/v1/snapshots?dataset=tank&limit=2&offset=1&sort=name&order=desc&filter=hour").json();
        assertThat(filtered.get("total").asInt()).isEqualTo(3);
        assertThat(names(filtered.get("items"))).containsExactly("hourly-2", "hourly-1");
    }

    @Test
    void badParametersNameTheirField() {
        Map<String, String> cases = Map.of(
                "sort=size", "sort", "order=up", "order", "limit=0", "limit", "limit=1001", "limit",
                "limit=ten", "limit", "limit=5&offset=-1", "offset", "offset=3", "limit");
        cases.forEach((query, field) -> {
            WebClient.Response r = api.get("/api/v1/snapshots?dataset=tank&" + query);
            assertThat(r.status()).as(query).isEqualTo(400);
            assertThat(r.json().get("field").asText()).as(query).isEqualTo(field);
        });
    }
}
