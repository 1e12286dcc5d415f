package io.snapferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.app.DaemonOptions;
import io.snapferry.daemon.app.Providers;
import io.snapferry.daemon.config.DataDir;
import io.snapferry.daemon.config.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon on its default embedded store, driven through the CLI as a newcomer would. */
class EmbeddedStoreCliTest {
    @TempDir
    Path tmp;
    TestBox box;

    @BeforeEach
    void start() throws Exception {
        Path data = tmp.resolve("data");
        DaemonOptions opts = new DaemonOptions(new DataDir(data), "127.0.0.1", 0, 0, true, false);
        box = new TestBox(data, Clock.systemUTC(), Providers.open(opts));
    }

    @AfterEach
    void stop() throws Exception {
        box.close();
    }

    private TestBox.Result ok(String... args) {
        TestBox.Result r = box.cli(args);
        assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isZero();
        return r;
    }

    @Test
    void snapshotRollbackBrowseAndRestoreAFile() throws Exception {
        assertThat(ok("dataset", "list").out()).contains("local");
        ok("dataset", "create", "local/docs");
        JsonNode ds = Json.mapper().readTree(ok("dataset", "list", "--json").out());
        Path mount = null;
        for (JsonNode d : ds) {
            if (d.path("name").asText().equals("local/docs")) {
                mount = Path.of(d.path("mountpoint").asText());
            }
        }
        assertThat(mount).isNotNull();
        Files.createDirectories(mount.resolve("letters"));
        Files.writeString(mount.resolve("letters/a.txt"), "first draft");
        Files.writeString(mount.resolve("notes.txt"), "keep me");
        ok("snapshot", "create", "local/docs@before");

        Files.writeString(mount.resolve("letters/a.txt"), "ruined");
        Files.delete(mount.resolve("notes.txt"));
        JsonNode snaps = Json.mapper().readTree(ok("snapshot", "list", "local/docs", "--json").out());
        assertThat(snaps).hasSize(1);
        assertThat(snaps.get(0).path("guid").asText()).isNotEqualTo("0");

        assertThat(ok("snapshot", "browse", "local/docs@before", "letters").out()).contains("a.txt");
        Path restored = tmp.resolve("restored-a.txt");
        ok("snapshot", "restore", "local/docs@before", "letters/a.txt", "--to", restored.toString());
        assertThat(Files.readString(restored)).isEqualTo("first draft");

        ok("snapshot", "rollback", "local/docs@before");
        assertThat(Files.readString(mount.resolve("letters/a.txt"))).isEqualTo("first draft");
        assertThat(Files.readString(mount.resolve("notes.txt"))).isEqualTo("keep me");

        assertThat(ok("store", "verify", "local").out()).contains("no damage");
    }

    private JsonNode listed(String name) throws Exception {
        for (JsonNode d : Json.mapper().readTree(ok("dataset", "list", "--json").out())) {
            if (d.path("name").asText().equals(name)) {
                return d;
            }
        }
        throw new AssertionError(name + " is not listed");
    }

    @Test
    void volumesAreCreatedFromTheCliWithClearRefusals() throws Exception {
        assertThat(ok("dataset", "create", "local/vm/disk0", "--volume-size", "4M").out()).contains("created volume local/vm/disk0");
        JsonNode disk = listed("local/vm/disk0");
        assertThat(disk.path("kind").asText()).isEqualTo("volume");
        assertThat(disk.path("mountpoint").isNull()).isTrue();

        Path plain = tmp.resolve("plain.img");
        Files.write(plain, new byte[4096]);
        TestBox.Result notDevice = box.cli("dataset", "create", "local/vm/x", "--device", plain.toString());
        assertThat(notDevice.exit()).isEqualTo(1);
        assertThat(notDevice.err()).contains(plain.toString(), "is not a block device");
        TestBox.Result both = box.cli("dataset", "create", "local/vm/x", "--device", "/dev/null", "--volume-size", "4M");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("exclude each other");
        TestBox.Result badSize = box.cli("dataset", "create", "local/vm/x", "--volume-size", "4X");
        assertThat(badSize.exit()).isEqualTo(2);
        assertThat(badSize.err()).contains("512M or 20G");
        TestBox.Result odd = box.cli("dataset", "create", "local/vm/x", "--volume-size", "1000");
        assertThat(odd.exit()).isEqualTo(1);
        assertThat(odd.err()).contains("multiple of 512");
    }

    @Test
    void aBlockDeviceVolumeFromTheCli() throws Exception {
        io.snapferry.testing.Requirements.require(io.snapferry.testing.Requirements.isRoot()
                && io.snapferry.testing.Requirements.onPath("losetup"), "root with losetup");
        Path img = tmp.resolve("disk.img");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(8 << 20);
        }
        Process p = new ProcessBuilder("losetup", "-f", "--show", img.toString()).redirectErrorStream(true).start();
        String loop = new String(p.getInputStream().readAllBytes()).trim();
        assertThat(p.waitFor()).as(loop).isZero();
        try {
            assertThat(ok("dataset", "create", "local/dev0", "--device", loop).out()).contains("created volume local/dev0 on " + loop);
            assertThat(listed("local/dev0").path("kind").asText()).isEqualTo("volume");
            ok("snapshot", "create", "local/dev0@s1");
            assertThat(Json.mapper().readTree(ok("snapshot", "list", "local/dev0", "--json").out())).hasSize(1);
            TestBox.Result again = box.cli("dataset", "create", "local/dev1", "--device", loop);
            assertThat(again.exit()).isEqualTo(1);
            assertThat(again.err()).contains("already exists");
        } finally {
            assertThat(new ProcessBuilder("losetup", "-d", loop).start().waitFor()).isZero();
        }
    }

    @Test
    void replicationProgressShowsTheStoresSizeEstimateAndAnEta() throws Exception {
        ok("dataset", "create", "local/vm");
        Path mount = null;
        for (JsonNode d : Json.mapper().readTree(ok("dataset", "list", "--json").out())) {
            if (d.path("name").asText().equals("local/vm")) {
                mount = Path.of(d.path("mountpoint").asText());
            }
        }
        byte[] image = new byte[3 << 20];
        new java.util.Random(3).nextBytes(image);
        Files.write(mount.resolve("disk.img"), image);
        ok("snapshot", "create", "local/vm@auto-1");
        // Uncompressed (the store's estimate is exact, plus the framing) and slowed to 1 MiB/s, so it runs for a few seconds.
        ok("replication", "create", "--name", "copy", "--source", "local/vm", "--target", "local/copy", "--name-regex", "auto-.*",
                "--compression", "none", "--bwlimit", "1M");
        TestBox.Result run = ok("replication", "run", "copy", "--wait");
        assertThat(run.out()).contains("succeeded: replicated 1 snapshot");
        List<String> lines = run.err().lines().filter(l -> l.startsWith("local/vm@auto-1")).toList();
        assertThat(lines).as(run.err()).isNotEmpty();
        // the estimate is asked beside the transfer: the step's first line may come before it, never a later one
        assertThat(lines.subList(1, lines.size())).allSatisfy(l -> assertThat(l).containsPattern(" of 3\\.\\dM "));
        assertThat(lines.get(0)).satisfiesAnyOf(l -> assertThat(l).containsPattern(" of 3\\.\\dM "),
                l -> assertThat(l).contains(" 0B (size unknown) "));
        assertThat(lines).anySatisfy(l -> assertThat(l).containsPattern(" of 3\\.\\dM "));
        assertThat(lines).anySatisfy(l -> assertThat(l).containsPattern("ETA \\d+ s"));
        // the smoothed rate is near the 1 MiB/s limit once bytes move (the step's start does not drag it down)
        assertThat(lines).anySatisfy(l -> assertThat(l).containsPattern("  (0\\.[5-9]|1\\.[0-9]) MiB/s"));
    }

    @Test
    void verificationQuarantinesADamagedPoolUntilAnOperatorClearsIt() throws Exception {
        ok("dataset", "create", "local/vm");
        Path mount = Path.of(Json.mapper().readTree(ok("dataset", "list", "--json").out()).findValues("mountpoint").stream()
                .map(JsonNode::asText).filter(m -> m.endsWith("vm/@tree")).findFirst().orElseThrow());
        Files.write(mount.resolve("disk.img"), new byte[300_000]);
        Files.writeString(mount.resolve("config"), "x".repeat(50_000));
        ok("snapshot", "create", "local/vm@s1");
        Path chunk;
        try (var walk = Files.walk(box.dataDir().root().resolve("pools/local/chunks"))) {
            chunk = walk.filter(Files::isRegularFile).findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(chunk);
        b[b.length / 2] ^= 0x40;
        Files.write(chunk, b);

        TestBox.Result verify = box.cli("store", "verify", "local");
        assertThat(verify.exit()).isEqualTo(1);
        assertThat(verify.out()).contains("local/vm@s1");
        TestBox.Result refused = box.cli("snapshot", "create", "local/vm@s2");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("pool local is quarantined").contains("snapferry store clear local");
        assertThat(Json.mapper().readTree(ok("task", "list", "--kind", "verify", "--json").out()).get(0).path("state").asText())
                .isEqualTo("FAILED");
        JsonNode pools = Json.mapper().readTree(box.cli("status", "--json").out());
        assertThat(pools.path("pools").toString()).contains("local");

        ok("store", "clear", "local");
        ok("snapshot", "create", "local/vm@s2");
    }
}
