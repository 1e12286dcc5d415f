package io.snapferry.testbeds.twobox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.config.Json;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.replication.Endpoint;
import io.snapferry.testing.Poll;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenarios 1-3: A pushes a periodically snapshotted zfs-fuse dataset to B over SSH (full, then
 * incrementals, B pruning by its own retention); B pulls only what A lets it read; A's dataset is
 * lost and restored from B, after which the normal direction carries on with incrementals.
 */
class PushPullRecoveryTest {
    @TempDir
    Path tmp;
    TwoBoxes boxes;
    Box a;
    Box b;
    String data;
    String replica;

    @BeforeEach
    void start() throws Exception {
        boxes = new TwoBoxes(tmp);
        a = boxes.a;
        b = boxes.b;
        data = boxes.onA("data");
        replica = boxes.onB("fromA/data");
        Zfs.create(boxes.poolA, data);
        // B makes a one-time token; A pairs with it: A's key may only receive below poolB/fromA.
        b.acceptPairingFrom(a, "b", "--receive-root", boxes.onB("fromA"));
    }

    @AfterEach
    void stop() throws Exception {
        if (boxes != null) {
            boxes.close();
        }
    }

    /**
     * Advances the shared clock and lets A's scheduler run what is due, until the periodic task has
     * taken {@code expected}. The scheduler's own loop may get there first; either way the snapshot
     * is taken once.
     */
    private void tick(Duration d, String expected) {
        a.appliance().scheduler().runDue();
        boxes.clock.advance(d);
        List<CompletableFuture<Void>> due = a.appliance().scheduler().runDue();
        CompletableFuture.allOf(due.toArray(CompletableFuture[]::new)).join();
        Poll.until(Duration.ofSeconds(30), "A's periodic task to take " + expected,
                () -> Zfs.names(boxes.poolA, data).contains(expected) && a.appliance().scheduler().queueLength() == 0);
    }

    private String periodicTask() {
        return a.ok("snapshot-task", "create", "--dataset", data, "--naming", "auto-%Y-%m-%d_%H-%M",
                "--schedule", "*/15 * * * *", "--lifetime", "1d").last();
    }

    private String pushTask(String snapshotTask) {
        a.ok("replication", "create", "--name", "offsite", "--transport", "ssh", "--connection", "b", "--source", data,
                "--target", replica, "--snapshot-task", snapshotTask, "--retention", "custom", "--lifetime", "40m",
                "--compression", "lz4", "--retries", "0");
        return "offsite";
    }

    @Test
    void periodicSnapshotsArePushedFullThenIncrementallyAndBPrunesOnlyItsOwnCopies() {
        Zfs.write(boxes.poolA, data, "f0", Zfs.text("zero"));
        String st = periodicTask();
        tick(Duration.ofMinutes(1), "auto-2026-11-22_10-00");
        assertThat(Zfs.names(boxes.poolA, data)).containsExactly("auto-2026-11-22_10-00");
        pushTask(st);
        assertThat(a.ok("replication", "run", "offsite", "--wait").out()).contains("first replication")
                .contains("succeeded: replicated 1 snapshot");
        assertThat(Zfs.snapshots(boxes.poolB, replica)).isEqualTo(Zfs.snapshots(boxes.poolA, data));
        assertThat(Zfs.readReceived(boxes.poolB, replica, "f0")).isEqualTo(Zfs.text("zero"));

        for (int i = 1; i <= 3; i++) {
            Zfs.write(boxes.poolA, data, "f" + i, Zfs.random(100_000, i));
            tick(Duration.ofMinutes(15), String.format("auto-2026-11-22_10-%02d", 15 * i));
            String run = a.ok("replication", "run", "offsite", "--wait").out();
            assertThat(run).contains("incremental from").doesNotContain("first replication");
        }
        // A keeps everything for a day; B keeps 40 minutes: at 10:45:30 the 10:00 snapshot is gone from B only.
        assertThat(Zfs.names(boxes.poolA, data)).containsExactly("auto-2026-11-22_10-00", "auto-2026-11-22_10-15",
                "auto-2026-11-22_10-30", "auto-2026-11-22_10-45");
        assertThat(Zfs.names(boxes.poolB, replica)).containsExactly("auto-2026-11-22_10-15", "auto-2026-11-22_10-30",
                "auto-2026-11-22_10-45");
        assertThat(Zfs.snapshots(boxes.poolB, replica)).isEqualTo(Zfs.snapshots(boxes.poolA, data).subList(1, 4));
        for (int i = 1; i <= 3; i++) {
            assertThat(Zfs.readReceived(boxes.poolB, replica, "f" + i)).isEqualTo(Zfs.random(100_000, i));
        }
    }

    @Test
    void bPullsOnlyWhatAGrantsAndAsReceiveOnlyKeyCannotReceiveElsewhere() throws Exception {
        String pub = boxes.onA("pub");
        String secret = boxes.onA("secret");
        Zfs.create(boxes.poolA, pub);
        Zfs.create(boxes.poolA, secret);
        Zfs.write(boxes.poolA, pub, "readme", Zfs.text("hello"));
        a.ok("snapshot", "create", pub + "@auto-2026-11-22_10-00");
        a.ok("snapshot", "create", secret + "@auto-2026-11-22_10-00");
        // A makes a read-only token for pub; B pairs with it.
        a.acceptPairingFrom(b, "a", "--permissions", "read", "--read", pub);

        String mirror = boxes.onB("mirror");
        b.ok("replication", "create", "--name", "mirror", "--direction", "pull", "--transport", "ssh", "--connection", "a",
                "--source", pub, "--target", mirror, "--naming", "auto-%Y-%m-%d_%H-%M", "--retries", "0");
        b.ok("replication", "run", "mirror", "--wait");
        assertThat(Zfs.snapshots(boxes.poolB, mirror)).isEqualTo(Zfs.snapshots(boxes.poolA, pub));
        assertThat(Zfs.readReceived(boxes.poolB, mirror, "readme")).isEqualTo(Zfs.text("hello"));

        b.ok("replication", "create", "--name", "sneaky", "--direction", "pull", "--transport", "ssh", "--connection", "a",
                "--source", secret, "--target", boxes.onB("stolen"), "--naming", "auto-%Y-%m-%d_%H-%M", "--retries", "0");
        Box.Result refused = b.fails("replication", "run", "sneaky", "--wait");
        assertThat(refused.all()).contains("not authorised");
        assertThat(Zfs.exists(boxes.poolB, boxes.onB("stolen"))).isFalse();

        // A's key on B may receive below poolB/fromA only: a receive into poolB/elsewhere is refused.
        SnapshotName snap = SnapshotName.parse(pub + "@auto-2026-11-22_10-00");
        Endpoint local = a.appliance().localEndpoint();
        try (var remote = a.appliance().ssh().openEndpoint("b"); InputStream stream = local.send(SendRequest.full(snap))) {
            DatasetName elsewhere = DatasetName.of(boxes.onB("elsewhere"));
            assertThatThrownBy(() -> remote.receive(elsewhere, stream, ReceiveOptions.defaults()))
                    .hasMessageContaining("not authorised");
        }
        assertThat(Zfs.exists(boxes.poolB, boxes.onB("elsewhere"))).isFalse();
    }

    @Test
    void aLostDatasetIsRestoredFromBAndThePushResumesWithIncrementals() throws Exception {
        Zfs.write(boxes.poolA, data, "precious", Zfs.random(200_000, 7));
        String st = periodicTask();
        tick(Duration.ofMinutes(1), "auto-2026-11-22_10-00");
        pushTask(st);
        a.ok("replication", "run", "offsite", "--wait");
        Zfs.write(boxes.poolA, data, "later", Zfs.text("later"));
        tick(Duration.ofMinutes(15), "auto-2026-11-22_10-15");
        a.ok("replication", "run", "offsite", "--wait");
        List<Zfs.Snap> before = Zfs.snapshots(boxes.poolA, data);

        // The disaster: someone releases every hold and destroys the dataset with all its snapshots.
        Endpoint local = a.appliance().localEndpoint();
        for (Snapshot snap : local.listSnapshots(DatasetName.of(data))) {
            for (String tag : local.holds(snap.name())) {
                local.release(snap.name(), tag);
            }
        }
        Zfs.destroy(boxes.poolA, data);
        assertThat(Zfs.exists(boxes.poolA, data)).isFalse();

        // The owner lets A read its replicas on B, then reverses the task on A.
        JsonNode peers = Json.mapper().readTree(b.ok("peer", "list", "--json").out());
        assertThat(peers.size()).isEqualTo(1);
        b.ok("peer", "update", peers.get(0).path("name").asText(), "--read", boxes.onB("fromA"));
        a.ok("replication", "reverse", "offsite");
        String restore = a.ok("replication", "run", "offsite-reverse", "--wait").out();
        assertThat(restore).contains("succeeded");
        assertThat(Zfs.snapshots(boxes.poolA, data)).isEqualTo(before);
        assertThat(Zfs.readReceived(boxes.poolA, data, "precious")).isEqualTo(Zfs.random(200_000, 7));

        Zfs.write(boxes.poolA, data, "after", Zfs.text("after"));
        tick(Duration.ofMinutes(15), "auto-2026-11-22_10-30");
        String resumed = a.ok("replication", "run", "offsite", "--wait").out();
        assertThat(resumed).contains("incremental from @auto-2026-11-22_10-15").doesNotContain("first replication")
                .contains("succeeded: replicated 1 snapshot");
        assertThat(Zfs.snapshots(boxes.poolB, replica)).isEqualTo(Zfs.snapshots(boxes.poolA, data));
        assertThat(Zfs.readReceived(boxes.poolB, replica, "after")).isEqualTo(Zfs.text("after"));
    }
}
