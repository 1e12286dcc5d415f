package io.snapferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.SendRequest;
import io.snapferry.testing.Requirements;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Volumes: image files as datasets, fixed-size chunks, reflink freezes where the file system has them. */
class VolumeTest {
    private static final int SIZE = 4 << 20;

    @TempDir
    Path dir;

    private static void writeAt(Path image, long offset, byte[] data) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(image.toFile(), "rw")) {
            raf.seek(offset);
            raf.write(data);
        }
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] send(EmbeddedStore store, SendRequest r) throws IOException {
        try (InputStream in = store.send(r)) {
            return in.readAllBytes();
        }
    }

    /** Snapshot, change one block, snapshot, roll back, replicate; returns the store's stats. */
    private static StoreStats exercise(Path poolDir) throws IOException {
        try (EmbeddedStore store = new EmbeddedStore(Map.of("local", poolDir), StoreTestSupport.smallChunks(), java.time.Clock.systemUTC())) {
            DatasetName vol = DatasetName.of("local/vm/disk0");
            Dataset created = store.createVolume(vol, SIZE);
            assertThat(created.kind()).isEqualTo(Dataset.Kind.VOLUME);
            assertThat(created.mountpoint()).isEmpty();
            assertThat(store.dataset(DatasetName.of("local/vm")).kind()).isEqualTo(Dataset.Kind.FILESYSTEM);
            assertThat(catchThrowableOfType(DatasetException.class, () -> store.createDataset(vol.child("x"))).code())
                    .isEqualTo(ErrorCode.INVALID_ARGUMENT);
            Path image = store.volumePath(vol);
            assertThat(image).hasSize(SIZE);
            writeAt(image, 0, random(100_000, 1));
            writeAt(image, 3 << 20, random(50_000, 2));
            byte[] original = Files.readAllBytes(image);
            store.createSnapshots(List.of(vol.snapshot("s1")));
            long stored = store.stats().chunksStored();
            // mostly zeros: holes, not chunks (8 KiB fixed chunks; ~150 KB of data)
            assertThat(stored).isLessThan(25);

            writeAt(image, 2 << 20, "one block changed".getBytes(StandardCharsets.UTF_8));
            assertThat(store.writtenSinceLastSnapshot(vol)).isPositive();
            store.createSnapshots(List.of(vol.snapshot("s2")));
            assertThat(store.stats().chunksStored() - stored).isEqualTo(1);
            byte[] second = Files.readAllBytes(image);

            byte[] inc = send(store, SendRequest.incremental(vol.snapshot("s1"), vol.snapshot("s2"), false));
            assertThat(inc.length).isLessThan(20_000);
            DatasetName copy = DatasetName.of("local/vm/copy");
            store.receive(copy, new ByteArrayInputStream(send(store, SendRequest.full(vol.snapshot("s1")))), ReceiveOptions.defaults());
            store.receive(copy, new ByteArrayInputStream(inc), ReceiveOptions.defaults());
            assertThat(store.dataset(copy).kind()).isEqualTo(Dataset.Kind.VOLUME);
            assertThat(Files.readAllBytes(store.volumePath(copy))).isEqualTo(second);

            // restore into a new image file, whole; a path inside a volume or an existing file is refused
            Path restored = poolDir.resolveSibling("restored-s2.img");
            store.restore(vol.snapshot("s2"), "/", restored);
            assertThat(Files.readAllBytes(restored)).isEqualTo(second);
            assertThat(catchThrowableOfType(DatasetException.class, () -> store.restore(vol.snapshot("s1"), "/", restored)).code())
                    .isEqualTo(ErrorCode.ALREADY_EXISTS);
            DatasetException inside = catchThrowableOfType(DatasetException.class,
                    () -> store.restore(vol.snapshot("s1"), "/etc/passwd", poolDir.resolveSibling("x")));
            assertThat(inside.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(inside.getMessage()).contains("restored whole");
            assertThat(poolDir.resolveSibling("x")).doesNotExist();
            assertThat(poolDir.getParent()).isDirectoryNotContaining(f -> f.getFileName().toString().endsWith(".snapferry-partial"));

            store.rollback(vol.snapshot("s1"), true);
            assertThat(Files.readAllBytes(store.volumePath(vol))).isEqualTo(original);
            assertThat(store.writtenSinceLastSnapshot(vol)).isZero();
            assertThat(store.verify("local").clean()).isTrue();
            return store.stats();
        }
    }

    @Test
    void volumeOnAFileSystemWithoutReflinksIsReadLive() throws IOException {
        StoreStats s = exercise(dir.resolve("local"));
        assertThat(s.liveVolumeReads()).isEqualTo(2);
        assertThat(s.reflinkFreezes()).isZero();
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    private static String output(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed");
        }
        return out;
    }

    @Test
    void volumeOnBtrfsIsFrozenWithAReflink() throws Exception {
        Requirements.require(Requirements.isRoot() && Requirements.onPath("mkfs.btrfs") && Requirements.onPath("losetup"),
                "root with mkfs.btrfs and losetup");
        Path img = dir.resolve("btrfs.img");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(256L << 20);
        }
        run("mkfs.btrfs", "-q", "-f", img.toString());
        String loop = output("losetup", "-f", "--show", img.toString());
        Path mnt = dir.resolve("mnt");
        Files.createDirectories(mnt);
        try {
            run("mount", loop, mnt.toString());
            try {
                StoreStats s = exercise(mnt.resolve("local"));
                assertThat(s.reflinkFreezes()).isEqualTo(2);
                assertThat(s.liveVolumeReads()).isZero();
            } finally {
                run("umount", mnt.toString());
            }
        } finally {
            run("losetup", "-d", loop);
        }
    }
}
