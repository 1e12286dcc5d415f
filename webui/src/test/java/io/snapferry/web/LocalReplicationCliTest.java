package io.snapferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.config.Json;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.dataset.Snapshot;
import io.snapferry.testing.MutableClock;
import io.snapferry.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replication on one box (transport local) through the CLI: framed, verified, with holds and retention. */
class LocalReplicationCliTest {
    @TempDir
    Path tmp;
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:30Z"), ZoneOffset.UTC);
    InMemoryDatasetProvider zfs;
    TestBox box;

    @BeforeEach
    void start() throws Exception {
        zfs = new InMemoryDatasetProvider(clock, "tank", "backup");
        zfs.createDataset(DatasetName.of("tank/src/child"));
        box = new TestBox(tmp.resolve("data"), clock, List.of(zfs));
        box.appliance().settings().put(new io.snapferry.daemon.config.Settings("UTC", 2));
    }

    @AfterEach
    void stop() throws Exception {
        box.close();
    }

    private List<String> names(String d) {
        return zfs.listSnapshots(DatasetName.of(d)).stream().map(Snapshot::shortName).toList();
    }

    private List<Long> guids(String d) {
        return zfs.listSnapshots(DatasetName.of(d)).stream().map(Snapshot::guid).toList();
    }

    private TestBox.Result ok(String... args) {
        TestBox.Result r = box.cli(args);
        assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isZero();
        return r;
    }

    private String snapshotTask() {
        List<String> lines = ok("snapshot-task", "create", "--dataset", "tank/src", "--recursive", "--naming", "auto-%Y-%m-%d_%H-%M",
                "--schedule", "*/15 * * * *", "--allow-empty").out().lines().toList();
        return lines.get(lines.size() - 1);
    }

    @Test
    void fullThenIncrementalWithIntermediatesAndTargetRetention() throws Exception {
        String st = snapshotTask();
        ok("snapshot-task", "run", st, "--wait");
        ok("replication", "create", "--name", "offsite", "--source", "tank/src", "--target", "backup/src", "--recursive",
                "--snapshot-task", st, "--retention", "custom", "--lifetime", "40m", "--compression", "zstd");
        TestBox.Result first = ok("replication", "run", "offsite", "--wait");
        assertThat(first.out()).contains("succeeded: replicated 2 snapshots");
        assertThat(guids("backup/src")).isEqualTo(guids("tank/src"));
        assertThat(guids("backup/src/child")).isEqualTo(guids("tank/src/child"));

        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofMinutes(15));
            zfs.write(DatasetName.of("tank/src"), "f" + i, new byte[] {(byte) i});
            ok("snapshot-task", "run", st, "--wait");
        }
        TestBox.Result second = ok("replication", "run", "offsite", "--wait");
        assertThat(second.out()).contains("replicated 6 snapshots");
        // Target retention (40 min at 10:45:30) pruned 10:00 on the target only; the source keeps everything.
        assertThat(names("tank/src")).containsExactly("auto-2026-11-22_10-00", "auto-2026-11-22_10-15", "auto-2026-11-22_10-30",
                "auto-2026-11-22_10-45");
        assertThat(names("backup/src")).containsExactly("auto-2026-11-22_10-15", "auto-2026-11-22_10-30", "auto-2026-11-22_10-45");
        assertThat(zfs.read(DatasetName.of("backup/src"), "f2")).containsExactly(2);

        JsonNode holds = Json.mapper().readTree(ok("hold", "list", "tank/src", "--json").out());
        assertThat(holds.findValuesAsText("tag")).containsExactly("snapferry-repl-offsite");
        assertThat(holds.findValuesAsText("snapshot")).containsExactly("tank/src@auto-2026-11-22_10-45");

        JsonNode diff = Json.mapper().readTree(ok("replication", "diff", "offsite", "--json").out());
        assertThat(diff.get(0).path("common").asText()).isEqualTo("auto-2026-11-22_10-45");
        assertThat(diff.get(0).path("sourceOnly").toString()).isEqualTo("[\"auto-2026-11-22_10-00\"]");

        assertThat(ok("replication", "run", "offsite", "--wait").out()).contains("succeeded: up to date");
        assertThat(box.appliance().verification().recent(10)).isNotEmpty().allSatisfy(e -> assertThat(e.result()).isEqualTo("ok"));
    }

    @Test
    void sourceRetentionSparesWhatTheReplicationStillNeeds() {
        List<String> lines = ok("snapshot-task", "create", "--dataset", "tank/src", "--naming", "auto-%Y-%m-%d_%H-%M",
                "--schedule", "*/15 * * * *", "--allow-empty", "--lifetime", "10m").out().lines().toList();
        String st = lines.get(lines.size() - 1);
        ok("replication", "create", "--name", "offsite", "--source", "tank/src", "--target", "backup/src", "--snapshot-task", st);
        for (int i = 0; i < 4; i++) {
            ok("snapshot-task", "run", st, "--wait");
            clock.advance(Duration.ofMinutes(15));
        }
        // Nothing was replicated yet: a 10-minute lifetime may not prune snapshots the replication has not sent.
        assertThat(names("tank/src")).hasSize(4);
        ok("replication", "run", "offsite", "--wait");
        ok("snapshot-task", "run", st, "--wait");
        // Now only the cursor (the newest replicated) and the newest are protected; the rest expire.
        assertThat(names("tank/src")).containsExactly("auto-2026-11-22_10-45", "auto-2026-11-22_11-00");
        assertThat(guids("backup/src")).hasSize(4);
    }

    @Test
    void afterSnapshotTaskRunsTheReplication() {
        String st = snapshotTask();
        ok("replication", "create", "--name", "follow", "--source", "tank/src", "--target", "backup/src", "--recursive",
                "--snapshot-task", st, "--after-snapshot-task");
        ok("snapshot-task", "run", st, "--wait");
        Poll.until(Duration.ofSeconds(20), "the replication that follows the snapshot task",
                () -> box.appliance().history().last("replication", "follow").map(r -> r.finished()).orElse(false));
        assertThat(box.appliance().history().last("replication", "follow").orElseThrow().result()).contains("replicated 2 snapshots");
    }

    @Test
    void divergedTargetIsRefusedAndLeftAlone() {
        String st = snapshotTask();
        ok("snapshot-task", "run", st, "--wait");
        ok("replication", "create", "--name", "r", "--source", "tank/src", "--target", "backup/src", "--snapshot-task", st);
        ok("replication", "run", "r", "--wait");
        ok("snapshot", "create", "backup/src@local-change");
        clock.advance(Duration.ofMinutes(15));
        ok("snapshot-task", "run", st, "--wait");
        TestBox.Result r = box.cli("replication", "run", "r", "--wait");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out() + r.err()).contains("local-change");
        assertThat(names("backup/src")).containsExactly("auto-2026-11-22_10-00", "local-change");
    }

    @Test
    void badReplicationsAreRefusedWithTheFieldAtFault() {
        TestBox.Result noSelection = box.cli("replication", "create", "--name", "r", "--source", "tank/src", "--target", "backup/x");
        assertThat(noSelection.exit()).isEqualTo(1);
        assertThat(noSelection.err()).contains("choose which snapshots to replicate");
        TestBox.Result overlap = box.cli("replication", "create", "--name", "r", "--source", "tank/src", "--target", "tank/src/copy",
                "--naming", "auto-%Y-%m-%d_%H-%M");
        assertThat(overlap.err()).contains("overlaps source");
        TestBox.Result ssh = box.cli("replication", "create", "--name", "r", "--transport", "ssh", "--source", "tank/src",
                "--target", "backup/x", "--naming", "auto-%Y-%m-%d_%H-%M");
        assertThat(ssh.err()).contains("needs --connection");
        TestBox.Result bw = box.cli("replication", "create", "--name", "r", "--source", "tank/src", "--target", "backup/x",
                "--naming", "auto-%Y-%m-%d_%H-%M", "--bwlimit", "fast");
        assertThat(bw.exit()).isEqualTo(1);
        assertThat(box.cli("replication", "list", "--json").out().strip()).isEqualTo("[ ]");
    }
}
