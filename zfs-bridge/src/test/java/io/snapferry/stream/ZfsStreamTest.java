package io.snapferry.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.dataset.DatasetName;
import io.snapferry.testing.Poll;
import io.snapferry.testing.Requirements;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real {@code zfs send} stream carried through the framing (compressed, encrypted) and fed to
 * {@code zfs recv}: the payload must arrive byte for byte. Runs on its own pool on a sparse file.
 */
class ZfsStreamTest {
    private Path dir;
    private String pool;

    @BeforeEach
    void createPool() throws Exception {
        Requirements.require(Requirements.isRoot() && Requirements.onPath("zpool") && Requirements.onPath("zfs"),
                "zfs-fuse (zpool, zfs) and root");
        Path root = Path.of(System.getenv().getOrDefault("SNAPFERRY_TEST_ROOT", "target/it"));
        Files.createDirectories(root);
        dir = Files.createTempDirectory(root.toAbsolutePath(), "zfs-stream-");
        pool = "sfstream" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Path vdev = dir.resolve("vdev.img");
        run("truncate", "-s", "128M", vdev.toString());
        run("zpool", "create", "-m", dir.resolve("mnt").toString(), pool, vdev.toString());
    }

    @AfterEach
    void destroyPool() throws Exception {
        if (pool != null) {
            // zfs-fuse may call the pool busy for a moment after a receive
            Poll.until(Duration.ofSeconds(60), "zpool destroy " + pool, () -> {
                try {
                    run("zpool", "destroy", "-f", pool);
                    return true;
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return true;
                }
            });
        }
        if (dir != null) {
            Files.deleteIfExists(dir.resolve("vdev.img"));
        }
    }

    @Test
    void aZfsSendStreamArrivesUnchanged() throws Exception {
        run("zfs", "create", pool + "/src");
        byte[] data = Streams.compressible(3 << 20, 5);
        Files.write(dir.resolve("mnt/src/file.txt"), data);
        run("zfs", "snapshot", pool + "/src@s1");
        String guid = run("zfs", "get", "-H", "-p", "-o", "value", "guid", pool + "/src@s1").trim();

        Process send = new ProcessBuilder("zfs", "send", pool + "/src@s1").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        StreamSummary sent;
        try (InputStream payload = send.getInputStream()) {
            StreamHeader header = StreamHeader.create("zfs", DatasetName.of(pool + "/src"), Optional.empty(),
                    new SnapshotIdentity("s1", Long.parseUnsignedLong(guid)), "box-a");
            sent = StreamWriter.pump(payload, wire, header,
                    StreamOptions.defaults().withCompression(Compression.LZ4).withKey(Streams.KEY));
        }
        assertThat(send.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(send.exitValue()).isZero();
        assertThat(sent.payloadBytes()).isGreaterThan(data.length);

        Process recv = new ProcessBuilder("zfs", "recv", pool + "/dst").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (StreamReader r = StreamReader.open(new ByteArrayInputStream(wire.toByteArray()), Optional.of(Streams.KEY),
                StreamLimits.defaults()); OutputStream in = recv.getOutputStream()) {
            assertThat(r.header().to().guid()).isEqualTo(Long.parseUnsignedLong(guid));
            r.transferTo(in);
            assertThat(r.summary()).contains(sent);
        }
        assertThat(recv.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(recv.exitValue()).isZero();
        assertThat(run("zfs", "get", "-H", "-p", "-o", "value", "guid", pool + "/dst@s1").trim()).isEqualTo(guid);
        assertThat(Files.readAllBytes(dir.resolve("mnt/dst/file.txt"))).isEqualTo(data);
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: "
                    + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
