package io.snapferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.config.Json;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.dataset.Snapshot;
import io.snapferry.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotTaskCliTest {
    @TempDir
    Path tmp;
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:30Z"), ZoneOffset.UTC);
    InMemoryDatasetProvider zfs;
    TestBox box;

    @BeforeEach
    void start() throws Exception {
        zfs = new InMemoryDatasetProvider(clock, "tank");
        for (String d : List.of("tank/a", "tank/a/b", "tank/a/skip")) {
            zfs.createDataset(DatasetName.of(d));
        }
        box = new TestBox(tmp.resolve("data"), clock, List.of(zfs));
        assertThat(box.cli("snapshot", "create", "tank/a@manual").exit()).isZero();
        box.appliance().settings().put(new io.snapferry.daemon.config.Settings("UTC", 2));
    }

    @AfterEach
    void stop() throws Exception {
        box.close();
    }

    private List<String> names(String dataset) {
        return zfs.listSnapshots(DatasetName.of(dataset)).stream().map(Snapshot::shortName).toList();
    }

    private String create(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("snapshot-task", "create", "--dataset", "tank/a", "--recursive",
                "--exclude", "tank/a/skip", "--naming", "auto-%Y-%m-%d_%H-%M", "--schedule", "*/15 * * * *", "--lifetime", "1h"));
        args.addAll(List.of(extra));
        TestBox.Result r = box.cli(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        return lines.get(lines.size() - 1);
    }

    @Test
    void runWaitSnapshotsTheTreeButNotTheExcludedChild() throws Exception {
        String id = create("--allow-empty");
        TestBox.Result run = box.cli("snapshot-task", "run", id, "--wait");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("succeeded: created 2 snapshots @auto-2026-11-22_10-00");
        assertThat(names("tank/a")).containsExactly("manual", "auto-2026-11-22_10-00");
        assertThat(names("tank/a/b")).containsExactly("auto-2026-11-22_10-00");
        assertThat(names("tank/a/skip")).isEmpty();

        JsonNode runs = Json.mapper().readTree(box.cli("task", "list", "--json").out());
        assertThat(runs.get(0).path("kind").asText()).isEqualTo("snapshot");
        assertThat(runs.get(0).path("state").asText()).isEqualTo("SUCCEEDED");
        assertThat(box.cli("task", "log", runs.get(0).path("id").asText()).out()).contains("created tank/a/b@auto-2026-11-22_10-00");
    }

    @Test
    void scheduleFiresByTheInjectedClockAndLifetimePrunesOnlyExpiredSchemaSnapshots() {
        String id = create("--allow-empty");
        var scheduler = box.appliance().scheduler();
        scheduler.runDue();
        for (int i = 0; i < 6; i++) {
            clock.advance(Duration.ofMinutes(15));
            List<CompletableFuture<Void>> fired = scheduler.runDue();
            CompletableFuture.allOf(fired.toArray(CompletableFuture[]::new)).join();
        }
        // Fires at 10:15:30 ... 11:30:30; at 11:30:30 a 1 h lifetime has expired 10:30, on both datasets.
        assertThat(names("tank/a")).containsExactly("manual", "auto-2026-11-22_10-45",
                "auto-2026-11-22_11-00", "auto-2026-11-22_11-15", "auto-2026-11-22_11-30");
        assertThat(box.appliance().history().last("snapshot", id).orElseThrow().result()).contains("retention destroyed 2");
    }

    @Test
    void allowEmptyOffSkipsAnIdleDataset() {
        String id = create();
        assertThat(box.cli("snapshot-task", "run", id, "--wait").out()).contains("succeeded");
        clock.advance(Duration.ofMinutes(15));
        TestBox.Result idle = box.cli("snapshot-task", "run", id, "--wait");
        assertThat(idle.out()).contains("skipped: nothing changed since the previous snapshot");
        zfs.write(DatasetName.of("tank/a/b"), "f", new byte[100]);
        assertThat(box.cli("snapshot-task", "run", id, "--wait").out()).contains("created 2 snapshots @auto-2026-11-22_10-15");
    }

    @Test
    void badTasksAreRefusedWithTheFieldAtFault() {
        TestBox.Result schema = box.cli("snapshot-task", "create", "--dataset", "tank/a", "--naming", "auto-%Y-%m", "--schedule", "hourly");
        assertThat(schema.exit()).isEqualTo(1);
        assertThat(schema.err()).contains("lacks");
        TestBox.Result cron = box.cli("snapshot-task", "create", "--dataset", "tank/a", "--schedule", "61 * * * *");
        assertThat(cron.exit()).isEqualTo(1);
        TestBox.Result missing = box.cli("snapshot-task", "create", "--dataset", "tank/nope", "--schedule", "hourly");
        assertThat(missing.err()).contains("tank/nope does not exist");
        create();
        TestBox.Result clash = box.cli("snapshot-task", "create", "--dataset", "tank/a/b", "--naming", "auto-%Y-%m-%d_%H-%M",
                "--schedule", "hourly");
        assertThat(clash.exit()).isEqualTo(1);
        assertThat(clash.err()).contains("could produce names");
        assertThat(box.cli("snapshot-task", "list", "--json").out().lines().filter(l -> l.contains("\"dataset\"")).toList()).hasSize(1);
    }

    @Test
    void retentionPlanDestroysNothing() throws Exception {
        String id = create("--allow-empty");
        box.cli("snapshot-task", "run", id, "--wait");
        TestBox.Result plan = box.cli("retention", "plan", "--dataset", "tank/a", "--naming", "auto-%Y-%m-%d_%H-%M",
                "--lifetime", "1m", "--now", "2026-11-23T10:00:00Z", "--json");
        assertThat(plan.exit()).as(plan.err()).isZero();
        JsonNode decisions = Json.mapper().readTree(plan.out());
        assertThat(decisions).hasSize(2);
        assertThat(decisions.findValuesAsText("name")).containsExactly("tank/a@manual", "tank/a@auto-2026-11-22_10-00");
        assertThat(decisions.findValuesAsText("action")).containsExactly("keep", "keep");
        assertThat(names("tank/a")).hasSize(2);
    }

    @Test
    void configurationSurvivesARestart() throws Exception {
        String id = create();
        box.cli("snapshot-task", "disable", id);
        box.close();
        box = new TestBox(tmp.resolve("data"), clock, List.of(zfs));
        JsonNode list = Json.mapper().readTree(box.cli("snapshot-task", "list", "--json").out());
        assertThat(list).hasSize(1);
        assertThat(list.get(0).path("task").path("id").asText()).isEqualTo(id);
        assertThat(list.get(0).path("task").path("enabled").asBoolean()).isFalse();
        assertThat(list.get(0).path("task").path("retention").path("lifetime").asText()).isEqualTo("1h");
    }
}
