package io.snapferry.testbeds.twobox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.config.DataDir;
import io.snapferry.daemon.config.Json;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.testing.MutableClock;
import io.snapferry.testing.Poll;
import io.snapferry.testing.Requirements;
import io.snapferry.zfs.ZfsCommandProvider;
import io.snapferry.zfs.ZfsTestPool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 4b: the receiving daemon is killed with SIGKILL in the middle of a receive. B is a
 * separate JVM (the built distribution in webui/target, as the {@code snapferry} launcher runs
 * it) without ZFS, receiving into its embedded store; A is in this JVM with a zfs-fuse pool.
 * After B is started again the next run completes and B's store verifies clean.
 */
class KilledReceiverTest {
    private static final Path DIST = Path.of("..", "webui", "target").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void aReceiverKilledMidStreamKeepsAConsistentStoreAndTheNextRunCompletes() throws Exception {
        Path jar = DIST.resolve("webui-0.1.0.jar");
        Requirements.require(Files.exists(jar) && Files.isDirectory(DIST.resolve("lib")), "the built distribution in " + DIST);
        MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:30Z"), ZoneOffset.UTC);
        Path bDir = tmp.resolve("b");
        Process b = null;
        try (ZfsTestPool poolA = ZfsTestPool.create();
             Box a = new Box(tmp.resolve("a"), clock, () -> List.<DatasetProvider>of(new ZfsCommandProvider()))) {
            b = startDaemon(jar, bDir);
            Box.Result token = cli(bDir, "pair-token", "--receive-root", "local/fromA");
            assertThat(token.exit()).as(token.all()).isZero();
            String url = new DataDir(bDir).apiAddress().orElseThrow().url();
            a.ok("connection", "pair", "--name", "b", "--url", url, "--token", token.last());

            String data = poolA.name() + "/data";
            Zfs.create(poolA, data);
            Zfs.write(poolA, data, "big", Zfs.random(64 << 20, 4));
            a.ok("snapshot", "create", data + "@auto-2026-11-22_10-00");
            a.ok("replication", "create", "--name", "offsite", "--transport", "ssh", "--connection", "b", "--source", data,
                    "--target", "local/fromA/data", "--naming", "auto-%Y-%m-%d_%H-%M", "--retries", "0", "--bwlimit", "16M");

            CompletableFuture<Box.Result> run = CompletableFuture.supplyAsync(() -> a.cli("replication", "run", "offsite", "--wait"));
            Poll.until(Duration.ofSeconds(60), "the 64 MiB stream to be under way",
                    () -> a.appliance().replications().progress().of("offsite").map(p -> p.bytes() > (16 << 20)).orElse(false));
            b.destroyForcibly();
            assertThat(b.waitFor(30, TimeUnit.SECONDS)).isTrue();
            Box.Result cut = run.join();
            assertThat(cut.exit()).as(cut.all()).isEqualTo(1);

            b = startDaemon(jar, bDir);
            a.ok("connection", "update", "b", "--port", Integer.toString(new DataDir(bDir).apiAddress().orElseThrow().sshPort()));
            Box.Result verify = cli(bDir, "store", "verify", "local");
            assertThat(verify.exit()).as("store verify after SIGKILL: " + verify.all()).isZero();
            a.ok("replication", "run", "offsite", "--wait");
            JsonNode kept = Json.mapper().readTree(cli(bDir, "snapshot", "list", "local/fromA/data", "--json").out());
            assertThat(kept.findValuesAsText("guid")).containsExactlyElementsOf(
                    Zfs.snapshots(poolA, data).stream().map(Zfs.Snap::guid).toList());
            Box.Result after = cli(bDir, "store", "verify", "local");
            assertThat(after.exit()).as(after.all()).isZero();
        } finally {
            if (b != null) {
                b.destroyForcibly();
                b.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Starts {@code snapferry daemon --no-zfs} on loopback and waits for it to publish its address. */
    private static Process startDaemon(Path jar, Path dataDir) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(Arrays.asList(Files.readString(DIST.resolve("../../jvm.flags").normalize()).strip().split("\\s+")));
        cmd.addAll(List.of("-cp", jar + ":" + DIST.resolve("lib") + "/*", "io.snapferry.cli.Main", "--data", dataDir.toString(),
                "daemon", "--bind", "127.0.0.1", "--web-port", "0", "--ssh-port", "0", "--no-zfs"));
        Files.createDirectories(dataDir);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("..").resolve("daemon-b.log").toFile())).start();
        Poll.until(Duration.ofSeconds(60), "B's daemon (pid " + p.pid() + ") to publish its address", () -> {
            if (!p.isAlive()) {
                throw new AssertionError("B's daemon exited with " + p.exitValue());
            }
            try {
                return new DataDir(dataDir).apiAddress().map(x -> x.pid() == p.pid()).orElse(false);
            } catch (IOException e) {
                return false;
            }
        });
        return p;
    }

    private static Box.Result cli(Path dataDir, String... args) {
        List<String> all = new ArrayList<>(List.of("--data", dataDir.toString()));
        all.addAll(List.of(args));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = io.snapferry.cli.Main.run(all.toArray(String[]::new),
                new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        return new Box.Result(code, out.toString(java.nio.charset.StandardCharsets.UTF_8), err.toString(java.nio.charset.StandardCharsets.UTF_8));
    }
}
