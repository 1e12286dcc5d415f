package io.snapferry.testbeds.twobox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.config.Json;
import io.snapferry.testing.Poll;
import io.snapferry.testing.Requirements;
import io.snapferry.zfs.ZfsTestPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 4 on the testbed of {@code testbeds/twobox/up}: box A and box B are separate daemons
 * in their own network namespaces, joined by a veth pair, each with its own zfs-fuse pool. They
 * are paired through the CLI; a push over SSH runs full, then incremental; then the link is cut
 * (A's end of the veth set down) at a random offset of a larger transfer. The run must fail
 * with a clear error in the task history (A notices within about 30 s: the remote acknowledges
 * nothing, or answers no keepalive); B drops the silent session (its SSH server's idle timeout)
 * and with it the receive, keeping no partial snapshot. Once the link is back, the next run
 * completes and both sides hold the same snapshots (GUIDs).
 */
class NetnsTwoBoxTest {
    private static final String NAMING = "auto-%Y-%m-%d_%H-%M";
    private static final int BIG = 32 << 20;

    @TempDir
    Path tmp;

    @Test
    void aLinkCutMidTransferFailsTheRunCleanlyAndTheRunAfterTheLinkIsBackCompletes() throws Exception {
        Requirements.require(Requirements.isRoot(), "root (for network namespaces)");
        Requirements.require(ScriptedTestbed.netnsAvailable(), "ip netns (iproute2)");
        Requirements.require(ZfsTestPool.zfsAvailable(), "zfs-fuse (zfs and a working 'zpool list')");
        Requirements.require(ScriptedTestbed.distributionBuilt(), "the built distribution in webui/target");
        long seed = new Random().nextLong();
        long cutAt = 1 + new Random(seed).nextLong(BIG / 2);
        System.out.println("seed " + seed + ": the link is cut once " + cutAt + " bytes have moved");

        try (ScriptedTestbed bed = ScriptedTestbed.up(tmp, "--netns", "--pool-size", "256M")) {
            ScriptedTestbed.Node a = bed.a();
            ScriptedTestbed.Node b = bed.b();
            assertThat(bed.mode()).isEqualTo("netns");
            assertThat(a.namespace()).isNotEqualTo(b.namespace());
            assertThat(b.url()).startsWith("https://" + b.address() + ":");

            // Pairing, as an owner does it: a token on B, the pairing on A.
            String token = bed.ok(b, "pair-token", "--receive-root", b.pool() + "/fromA").last();
            String paired = bed.ok(a, "connection", "pair", "--name", "b", "--url", b.url(), "--token", token).out();
            assertThat(paired).contains("snapferry@" + b.address());

            String data = a.pool() + "/data";
            String replica = b.pool() + "/fromA/data";
            bed.zfs("create", data);
            write(bed, a, data, "small", 1 << 20, 1);
            bed.zfs("snapshot", data + "@auto-2026-11-22_10-00");
            bed.ok(a, "replication", "create", "--name", "offsite", "--transport", "ssh", "--connection", "b", "--source", data,
                    "--target", replica, "--naming", NAMING, "--retries", "0", "--bwlimit", "4M");

            String full = bed.ok(a, "replication", "run", "offsite", "--wait").out();
            assertThat(full).contains("first replication: full @auto-2026-11-22_10-00");
            assertThat(Zfs.snapshots(replica)).isEqualTo(Zfs.snapshots(data));

            write(bed, a, data, "second", 1 << 20, 2);
            bed.zfs("snapshot", data + "@auto-2026-11-22_10-01");
            String incremental = bed.ok(a, "replication", "run", "offsite", "--wait").out();
            assertThat(incremental).contains("incremental from @auto-2026-11-22_10-00");
            List<Zfs.Snap> before = Zfs.snapshots(data);
            assertThat(Zfs.snapshots(replica)).isEqualTo(before);

            // A larger incremental, 4 MiB/s: the link goes down while it moves.
            write(bed, a, data, "big", BIG, 3);
            bed.zfs("snapshot", data + "@auto-2026-11-22_10-02");
            ScriptedTestbed.Running run = bed.start(a, "replication", "run", "offsite", "--wait");
            Poll.until(Duration.ofSeconds(120), cutAt + " bytes of the " + BIG + " byte incremental to have moved",
                    () -> {
                        if (!run.isAlive()) {
                            throw new AssertionError("the run ended before the link was cut; it printed:\n" + run.outputSoFar());
                        }
                        return run.progressBytes().orElse(0) >= cutAt;
                    });
            bed.link("down");
            long cut = System.nanoTime();
            Box.Result failed = run.await(Duration.ofMinutes(3));
            System.out.printf("the run failed %.1f s after the cut:%n%s%n", (System.nanoTime() - cut) / 1e9, failed.all());
            assertThat(failed.exit()).as(failed.all()).isEqualTo(1);
            assertThat(failed.err()).contains("replication offsite did not complete");

            JsonNode history = Json.mapper().readTree(bed.ok(a, "task", "list", "--json").out());
            JsonNode last = StreamSupport.stream(history.spliterator(), false)
                    .filter(t -> t.path("kind").asText().equals("replication") && t.path("subject").asText().equals("offsite"))
                    .findFirst().orElseThrow(() -> new AssertionError("no replication run in the history: " + history));
            assertThat(last.path("state").asText()).isEqualTo("FAILED");
            assertThat(last.path("result").asText()).as("the failed run's result")
                    .contains("connection to b lost during the transfer of " + data + "@auto-2026-11-22_10-02")
                    .contains("is the network between the boxes down?")
                    .doesNotContain("RemoteWindow", "ChannelSubsystem");
            // B hears nothing more on the session, drops it and with it the receive
            Poll.until(Duration.ofSeconds(90), "B to give up the receive of the cut session",
                    () -> bed.processes(b).stream().noneMatch(p -> p.matches("(\\S*/)?zfs (receive|recv) .*")));
            assertThat(Zfs.snapshots(replica)).as("B keeps what it had, and nothing partial").isEqualTo(before);

            bed.link("up");
            String again = bed.ok(a, "replication", "run", "offsite", "--wait").out();
            assertThat(again).contains("succeeded");
            assertThat(Zfs.snapshots(data)).hasSize(3);
            assertThat(Zfs.snapshots(replica)).isEqualTo(Zfs.snapshots(data));
        }
    }

    /** Writes {@code size} seeded random bytes to a file of {@code dataset}, mounted below the box's pool mountpoint. */
    private static void write(ScriptedTestbed bed, ScriptedTestbed.Node box, String dataset, String file, int size, long seed)
            throws java.io.IOException {
        if (!bed.zfs("get", "-H", "-o", "value", "mounted", dataset).strip().equals("yes")) {
            bed.zfs("mount", dataset);
        }
        Path dir = box.mount().resolve(dataset.substring(box.pool().length() + 1));
        Files.write(dir.resolve(file), Zfs.random(size, seed));
    }
}
