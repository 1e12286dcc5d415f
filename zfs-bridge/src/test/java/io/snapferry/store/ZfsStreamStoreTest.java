package io.snapferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.testing.Requirements;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code zfs send} stream (from zfs-fuse, on a pool of our own on a sparse file) is stored
 * as an opaque snapshot and sent back byte for byte, and ZFS receives it.
 */
class ZfsStreamStoreTest {
    @TempDir
    Path dir;

    private static byte[] run(byte[] stdin, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        Thread feeder = new Thread(() -> {
            try (var out = p.getOutputStream()) {
                if (stdin != null) {
                    out.write(stdin);
                }
            } catch (IOException ignored) {
                // the process exited early; its status says why
            }
        });
        feeder.start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " timed out");
        }
        feeder.join();
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + new String(err, StandardCharsets.UTF_8));
        }
        return out;
    }

    /** zfs-fuse can report a pool busy for a moment after a receive mounted a dataset: retry until it goes. */
    private static void destroy(String pool) {
        io.snapferry.testing.Poll.until(java.time.Duration.ofSeconds(60), "pool " + pool + " to be destroyed", () -> {
            for (String fs : List.of(pool + "/restored", pool + "/fs", pool)) {
                try {
                    run(null, "zfs", "unmount", "-f", fs);
                } catch (IOException | InterruptedException ignored) {
                    // not mounted, or not there: the destroy below says whether the pool went
                }
            }
            try {
                run(null, "zpool", "destroy", "-f", pool);
                return true;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            }
        });
    }

    @Test
    void aZfsSendStreamIsStoredDeduplicatedAndSentBackUnchanged() throws Exception {
        Requirements.require(Requirements.isRoot() && Requirements.onPath("zpool") && Requirements.onPath("zfs"), "zfs-fuse as root");
        String pool = "sfstore" + Long.toHexString(new Random().nextInt() & 0xffffff);
        Path img = dir.resolve("pool.img");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(128L << 20);
        }
        Path mnt = dir.resolve("mnt");
        run(null, "zpool", "create", "-f", "-m", mnt.toString(), pool, img.toString());
        try {
            run(null, "zfs", "create", pool + "/fs");
            byte[] content = new byte[3 << 20];
            new Random(7).nextBytes(content);
            Files.write(mnt.resolve("fs").resolve("data.bin"), content);
            run(null, "zfs", "snapshot", pool + "/fs@one");
            long zfsGuid = Long.parseUnsignedLong(new String(run(null, "zfs", "get", "-Hp", "-o", "value", "guid", pool + "/fs@one"),
                    StandardCharsets.UTF_8).trim());
            byte[] stream = run(null, "zfs", "send", pool + "/fs@one");
            assertThat(EmbeddedStore.isZfsStream(stream)).isTrue();

            try (EmbeddedStore store = StoreTestSupport.open(dir.resolve("store"), StoreOptions.defaults().withIndexEntries(20_000))) {
                DatasetName target = DatasetName.of("local/zfs-backup");
                StoreReceiveResult r = store.receiveDetailed(target, new ByteArrayInputStream(stream), ReceiveOptions.defaults());
                assertThat(r.result().received()).containsExactly(target.snapshot("one"));
                assertThat(r.chunksStored()).isPositive();
                Snapshot s = store.listSnapshots(target).get(0);
                assertThat(s.guid()).isEqualTo(zfsGuid);
                assertThat(store.zfsStreamInfo(target.snapshot("one"))).hasValueSatisfying(i -> {
                    assertThat(i.sourceName()).isEqualTo(pool + "/fs@one");
                    assertThat(i.fromGuid()).isZero();
                    assertThat(i.bytes()).isEqualTo(stream.length);
                });

                // the same stream again, into another dataset: every chunk is already there
                StoreReceiveResult again = store.receiveDetailed(DatasetName.of("local/zfs-copy"), new ByteArrayInputStream(stream),
                        ReceiveOptions.defaults());
                assertThat(again.chunksStored()).isZero();
                assertThat(again.chunksAlreadyPresent()).isEqualTo(r.chunksStored());
                assertThat(store.verify("local").clean()).isTrue();

                byte[] back;
                try (InputStream in = store.send(SendRequest.full(target.snapshot("one")))) {
                    back = in.readAllBytes();
                }
                assertThat(back).isEqualTo(stream);
                assertThat(catchThrowableOfType(DatasetException.class, () -> store.rollback(target.snapshot("one"), false)).code())
                        .isEqualTo(ErrorCode.UNSUPPORTED);

                run(back, "zfs", "receive", pool + "/restored");
                assertThat(Files.readAllBytes(mnt.resolve("restored").resolve("data.bin"))).isEqualTo(content);
                List<String> guids = new ArrayList<>();
                guids.add(new String(run(null, "zfs", "get", "-Hp", "-o", "value", "guid", pool + "/restored@one"),
                        StandardCharsets.UTF_8).trim());
                assertThat(guids).containsExactly(Long.toUnsignedString(zfsGuid));
            }
        } finally {
            destroy(pool);
        }
    }
}
