package io.snapferry.testbeds.twobox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.config.Json;
import io.snapferry.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 4: faults between two paired boxes. B goes down in the middle of a transfer; B's host
 * key changes; B's pool fills up. Each time A's run fails with a clear error, B keeps no partial
 * snapshot, and once the owner has dealt with the cause the next run completes.
 */
class FaultsTest {
    @TempDir
    Path tmp;
    TwoBoxes boxes;
    Box a;
    Box b;
    String data;
    String replica;

    /** Both boxes, paired; B's pool has {@code poolBBytes}. */
    private void start(long poolBBytes) throws Exception {
        boxes = new TwoBoxes(tmp, 512L << 20, poolBBytes);
        a = boxes.a;
        b = boxes.b;
        data = boxes.onA("data");
        replica = boxes.onB("fromA/data");
        Zfs.create(boxes.poolA, data);
        b.acceptPairingFrom(a, "b", "--receive-root", boxes.onB("fromA"));
    }

    @AfterEach
    void stop() throws Exception {
        if (boxes != null) {
            boxes.close();
        }
    }

    private void snapshot(String name) {
        a.ok("snapshot", "create", data + "@" + name);
    }

    private void pushTask(String... extra) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("replication", "create", "--name", "offsite",
                "--transport", "ssh", "--connection", "b", "--source", data, "--target", replica, "--naming", "auto-%Y-%m-%d_%H-%M",
                "--retries", "0"));
        args.addAll(java.util.List.of(extra));
        a.ok(args.toArray(String[]::new));
    }

    /** After a restart B listens on a new port: the owner points the connection at it. */
    private void followB() {
        a.ok("connection", "update", "b", "--port", Integer.toString(b.sshPort()));
    }

    @Test
    void bGoingDownMidTransferLeavesNoPartialSnapshotAndTheNextRunCompletes() throws Exception {
        start(256L << 20);
        Zfs.write(boxes.poolA, data, "small", Zfs.text("small"));
        snapshot("auto-2026-11-22_10-00");
        pushTask("--bwlimit", "8M");
        a.ok("replication", "run", "offsite", "--wait");
        Zfs.write(boxes.poolA, data, "big", Zfs.random(32 << 20, 1));
        snapshot("auto-2026-11-22_10-15");

        CompletableFuture<Box.Result> run = CompletableFuture.supplyAsync(() -> a.cli("replication", "run", "offsite", "--wait"));
        Poll.until(Duration.ofSeconds(60), "the 32 MiB incremental to be under way",
                () -> a.appliance().replications().progress().of("offsite").map(p -> p.bytes() > (4 << 20)).orElse(false));
        b.restart();
        Box.Result failed = run.join();
        assertThat(failed.exit()).as(failed.all()).isEqualTo(1);
        assertThat(failed.all()).contains("connection to b lost during the transfer of " + data + "@auto-2026-11-22_10-15 after ")
                .contains("the next run sends");
        System.out.println("run cut short by B's restart:\n" + failed.all());
        assertThat(Zfs.names(boxes.poolB, replica)).containsExactly("auto-2026-11-22_10-00");

        followB();
        String again = a.ok("replication", "run", "offsite", "--wait").out();
        assertThat(again).contains("succeeded");
        assertThat(Zfs.snapshots(boxes.poolB, replica)).isEqualTo(Zfs.snapshots(boxes.poolA, data));
        assertThat(Zfs.readReceived(boxes.poolB, replica, "big")).isEqualTo(Zfs.random(32 << 20, 1));
    }

    @Test
    void aChangedHostKeyIsRefusedWithBothFingerprintsUntilTheOwnerAcceptsIt() throws Exception {
        start(256L << 20);
        snapshot("auto-2026-11-22_10-00");
        pushTask();
        a.ok("replication", "run", "offsite", "--wait");
        JsonNode oldKey = Json.mapper().readTree(b.ok("host-key", "--json").out());

        Files.delete(b.dataDir().keys().resolve("host_ed25519"));
        b.restart();
        followB();
        JsonNode newKey = Json.mapper().readTree(b.ok("host-key", "--json").out());
        assertThat(newKey.path("fingerprint").asText()).isNotEqualTo(oldKey.path("fingerprint").asText());

        snapshot("auto-2026-11-22_10-15");
        Box.Result refused = a.fails("replication", "run", "offsite", "--wait");
        assertThat(refused.all()).contains("host key mismatch").contains(oldKey.path("fingerprint").asText())
                .contains(newKey.path("fingerprint").asText());
        assertThat(Zfs.names(boxes.poolB, replica)).containsExactly("auto-2026-11-22_10-00");

        a.ok("connection", "update", "b", "--host-key", newKey.path("publicKey").asText());
        a.ok("replication", "run", "offsite", "--wait");
        assertThat(Zfs.snapshots(boxes.poolB, replica)).isEqualTo(Zfs.snapshots(boxes.poolA, data));
    }

    @Test
    void aFullTargetPoolFailsClearlyAndTheRunAfterFreeingSpaceCompletes() throws Exception {
        start(128L << 20);
        String filler = boxes.onB("filler");
        Zfs.create(boxes.poolB, filler);
        Zfs.write(boxes.poolB, filler, "ballast", Zfs.random(64 << 20, 9));
        Zfs.write(boxes.poolA, data, "big", Zfs.random(64 << 20, 2));
        snapshot("auto-2026-11-22_10-00");
        pushTask();

        Box.Result full = a.fails("replication", "run", "offsite", "--wait");
        System.out.println("run into a full pool:\n" + full.all());
        assertThat(full.all()).contains("out of space");
        assertThat(Zfs.exists(boxes.poolB, replica) ? Zfs.names(boxes.poolB, replica) : java.util.List.of()).isEmpty();

        Zfs.destroy(boxes.poolB, filler);
        a.ok("replication", "run", "offsite", "--wait");
        assertThat(Zfs.snapshots(boxes.poolB, replica)).isEqualTo(Zfs.snapshots(boxes.poolA, data));
    }
}
