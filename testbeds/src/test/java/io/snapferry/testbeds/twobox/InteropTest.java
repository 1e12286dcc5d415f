package io.snapferry.testbeds.twobox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.config.Json;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.Snapshot;
import io.snapferry.ssh.OpenSshd;
import io.snapferry.store.EmbeddedStore;
import io.snapferry.testing.MutableClock;
import io.snapferry.zfs.ZfsCommandProvider;
import io.snapferry.zfs.ZfsTestPool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 5: snapferry next to other tools. A replicates to a plain OpenSSH + ZFS host, and the
 * replica takes a hand-made {@code zfs send | zfs recv} and vice versa; snapshots named by sanoid
 * are replicated by a name pattern; a box without ZFS keeps a ZFS source's replicas in its
 * embedded store (bringing them back into ZFS is refused: the store keeps its own format).
 */
class InteropTest {
    @TempDir
    Path tmp;

    @Test
    void aPlainZfsHostOverOpenSshTakesTheReplicaAndHandMadeIncrementalsBothWays() throws Exception {
        try (TwoBoxes boxes = new TwoBoxes(tmp)) {
            Box a = boxes.a;
            ZfsTestPool host = boxes.poolB; // the plain host's pool: B's appliance plays no part here
            String data = boxes.onA("data");
            String replica = boxes.onB("replica");
            Zfs.create(boxes.poolA, data);
            Zfs.write(boxes.poolA, data, "one", Zfs.text("one"));
            a.ok("snapshot", "create", data + "@auto-2026-11-22_10-00");
            String publicKey = a.ok("keypair", "create", "zk").last();
            try (OpenSshd sshd = OpenSshd.start(tmp.resolve("sshd"), List.of(publicKey))) {
                a.ok("connection", "create", "--name", "zhost", "--host", "127.0.0.1", "--port", Integer.toString(sshd.port()),
                        "--user", "root", "--keypair", "zk", "--host-key", sshd.hostPublicKey());
                a.ok("replication", "create", "--name", "plain", "--transport", "ssh-zfs", "--connection", "zhost", "--source", data,
                        "--target", replica, "--naming", "auto-%Y-%m-%d_%H-%M", "--retries", "0");
                assertThat(a.ok("replication", "run", "plain", "--wait").out()).contains("first replication");
                assertThat(Zfs.snapshots(host, replica)).isEqualTo(Zfs.snapshots(boxes.poolA, data));

                // By hand: zfs send -i of a new snapshot on A into zfs recv on the host.
                Zfs.write(boxes.poolA, data, "two", Zfs.text("two"));
                a.ok("snapshot", "create", data + "@auto-2026-11-22_10-15");
                shell("zfs send -i @auto-2026-11-22_10-00 " + data + "@auto-2026-11-22_10-15 | zfs recv -F " + replica);
                assertThat(Zfs.snapshots(host, replica)).isEqualTo(Zfs.snapshots(boxes.poolA, data));
                assertThat(Zfs.readReceived(host, replica, "two")).isEqualTo(Zfs.text("two"));

                // snapferry carries on from the hand-made snapshot with an incremental.
                Zfs.write(boxes.poolA, data, "three", Zfs.text("three"));
                a.ok("snapshot", "create", data + "@auto-2026-11-22_10-30");
                assertThat(a.ok("replication", "run", "plain", "--wait").out())
                        .contains("incremental from @auto-2026-11-22_10-15").doesNotContain("first replication");
                assertThat(Zfs.snapshots(host, replica)).isEqualTo(Zfs.snapshots(boxes.poolA, data));
                assertThat(Zfs.readReceived(host, replica, "three")).isEqualTo(Zfs.text("three"));
            }
        }
    }

    @Test
    void sanoidNamedSnapshotsAreReplicatedByPatternAndNothingElse() throws Exception {
        try (TwoBoxes boxes = new TwoBoxes(tmp)) {
            Box a = boxes.a;
            Box b = boxes.b;
            String data = boxes.onA("data");
            String replica = boxes.onB("fromA/data");
            Zfs.create(boxes.poolA, data);
            b.acceptPairingFrom(a, "b", "--receive-root", boxes.onB("fromA"));
            // the names sanoid gives its snapshots, and one an owner made by hand
            Zfs.write(boxes.poolA, data, "a", Zfs.text("a"));
            boxes.poolA.zfsCommand("snapshot", data + "@autosnap_2026-11-22_10:00:00_hourly");
            boxes.poolA.zfsCommand("snapshot", data + "@before-upgrade");
            Zfs.write(boxes.poolA, data, "b", Zfs.text("b"));
            boxes.poolA.zfsCommand("snapshot", data + "@autosnap_2026-11-22_11:00:00_hourly");
            boxes.poolA.zfsCommand("snapshot", data + "@autosnap_2026-11-22_11:00:00_daily");
            a.ok("replication", "create", "--name", "sanoid", "--transport", "ssh", "--connection", "b", "--source", data,
                    "--target", replica, "--name-regex", "^autosnap_.*", "--retention", "none", "--retries", "0");
            a.ok("replication", "run", "sanoid", "--wait");
            assertThat(Zfs.names(boxes.poolB, replica)).containsExactly("autosnap_2026-11-22_10:00:00_hourly",
                    "autosnap_2026-11-22_11:00:00_hourly", "autosnap_2026-11-22_11:00:00_daily");
            List<Zfs.Snap> sanoids = Zfs.snapshots(boxes.poolA, data).stream().filter(s -> s.name().startsWith("autosnap_")).toList();
            assertThat(Zfs.snapshots(boxes.poolB, replica)).isEqualTo(sanoids);
            assertThat(Zfs.readReceived(boxes.poolB, replica, "b")).isEqualTo(Zfs.text("b"));
        }
    }

    @Test
    void aBoxWithoutZfsKeepsAZfsSourcesReplicasAndRestoresThemIntoZfs() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:30Z"), ZoneOffset.UTC);
        Path bDir = tmp.resolve("b");
        try (ZfsTestPool poolA = ZfsTestPool.create();
             Box a = new Box(tmp.resolve("a"), clock, () -> List.<DatasetProvider>of(new ZfsCommandProvider()));
             Box b = new Box(bDir, clock, () -> List.<DatasetProvider>of(EmbeddedStore.forDataDirectory(bDir)))) {
            String data = poolA.name() + "/data";
            Zfs.create(poolA, data);
            b.acceptPairingFrom(a, "b", "--permissions", "both", "--receive-root", "local/fromA", "--read", "local/fromA");
            Zfs.write(poolA, data, "doc", Zfs.random(300_000, 3));
            a.ok("snapshot", "create", data + "@auto-2026-11-22_10-00");
            Zfs.write(poolA, data, "doc2", Zfs.text("second"));
            a.ok("snapshot", "create", data + "@auto-2026-11-22_10-15");
            a.ok("replication", "create", "--name", "keep", "--transport", "ssh", "--connection", "b", "--source", data,
                    "--target", "local/fromA/data", "--naming", "auto-%Y-%m-%d_%H-%M", "--retries", "0");
            a.ok("replication", "run", "keep", "--wait");
            JsonNode kept = Json.mapper().readTree(b.ok("snapshot", "list", "local/fromA/data", "--json").out());
            assertThat(kept.findValuesAsText("guid")).containsExactlyElementsOf(
                    Zfs.snapshots(poolA, data).stream().map(Zfs.Snap::guid).toList());
            b.ok("store", "verify", "local");

            for (Snapshot s : a.appliance().localEndpoint().listSnapshots(io.snapferry.dataset.DatasetName.of(data))) {
                for (String tag : a.appliance().localEndpoint().holds(s.name())) {
                    a.appliance().localEndpoint().release(s.name(), tag);
                }
            }
            // A loses the dataset; the store sends the ZFS streams it kept back as they came, and
            // A's zfs receive rebuilds the dataset with the same snapshots and contents.
            List<String> before = Zfs.snapshots(poolA, data).stream().map(Zfs.Snap::guid).toList();
            Zfs.destroy(poolA, data);
            a.ok("replication", "reverse", "keep");
            a.ok("replication", "run", "keep-reverse", "--wait");
            assertThat(Zfs.snapshots(poolA, data).stream().map(Zfs.Snap::guid).toList()).isEqualTo(before);
            assertThat(Zfs.readReceived(poolA, data, "doc")).isEqualTo(Zfs.random(300_000, 3));
            b.ok("store", "verify", "local");
        }
    }

    private static void shell(String pipeline) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-o", "pipefail", "-c", pipeline).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).as(pipeline + " finished").isTrue();
        assertThat(p.exitValue()).as(pipeline + ": " + out).isZero();
    }
}
