package io.snapferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.testing.Requirements;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Volumes backed by block devices: loop devices on sparse files, as root. */
class BlockDeviceVolumeTest {
    private static final int SIZE = 16 << 20;
    private static final int CHUNK = 8 * 1024; // StoreTestSupport.smallChunks' average: a volume's fixed chunk size

    @TempDir
    Path dir;

    /** Undo steps (unmounts, loop detaches), run newest first. */
    private final Deque<String[]> cleanup = new ArrayDeque<>();

    @BeforeEach
    void requireRoot() {
        Requirements.require(Requirements.isRoot() && Requirements.onPath("losetup") && Requirements.onPath("mkfs.ext4"),
                "root with losetup and mkfs.ext4");
    }

    @AfterEach
    void detach() throws Exception {
        Exception first = null;
        while (!cleanup.isEmpty()) {
            try {
                run(cleanup.pop());
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private Path loop(String name, long size) throws Exception {
        Path img = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(size);
        }
        String dev = output("losetup", "-f", "--show", img.toString());
        cleanup.push(new String[] {"losetup", "-d", dev});
        return Path.of(dev);
    }

    private void mount(Path device, Path at) throws Exception {
        Files.createDirectories(at);
        run("mount", device.toString(), at.toString());
        cleanup.push(new String[] {"umount", at.toString()});
    }

    private void unmount(Path at) throws Exception {
        run("umount", at.toString());
        cleanup.removeIf(c -> c[0].equals("umount") && c[1].equals(at.toString()));
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    private static String output(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    private static void writeAt(Path device, long offset, byte[] data) throws IOException {
        try (FileChannel ch = FileChannel.open(device, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                ch.write(b, offset + b.position());
            }
            ch.force(true);
        }
    }

    private static byte[] read(Path device, int length) throws IOException {
        try (InputStream in = Files.newInputStream(device)) {
            return in.readNBytes(length);
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

    private static ErrorCode code(Runnable r) {
        DatasetException e = catchThrowableOfType(DatasetException.class, r::run);
        assertThat(e).as("a DatasetException").isNotNull();
        return e.code();
    }

    @Test
    void aBlockDeviceIsSnapshottedRolledBackSentAndReceived() throws Exception {
        Path disk = loop("disk.img", SIZE);
        Path target = loop("target.img", SIZE);
        Path small = loop("small.img", SIZE / 4);
        DatasetName vol = DatasetName.of("local/vm/disk0");
        writeAt(disk, 0, random(100_000, 1));
        writeAt(disk, 10 << 20, random(50_000, 2));
        byte[] original = read(disk, SIZE);
        byte[] second;
        try (EmbeddedStore store = StoreTestSupport.open(dir)) {
            Dataset created = store.createDeviceVolume(vol, disk);
            assertThat(created.kind()).isEqualTo(Dataset.Kind.VOLUME);
            assertThat(store.volumePath(vol)).isEqualTo(disk);
            assertThat(store.volumeDevice(vol)).contains(disk);
            // no snapshot yet: the non-zero 1 MiB blocks (data at 0 and at 10 MiB)
            assertThat(store.writtenSinceLastSnapshot(vol)).isEqualTo(2 << 20);

            store.createSnapshots(List.of(vol.snapshot("s1")));
            long stored = store.stats().chunksStored();
            assertThat(stored).isBetween(15L, 25L); // ~150 KB of data in 8 KiB chunks; the zeros are holes
            assertThat(store.stats().liveVolumeReads()).isEqualTo(1);
            assertThat(store.writtenSinceLastSnapshot(vol)).isZero();

            writeAt(disk, 5 << 20, "one block changed".getBytes(StandardCharsets.UTF_8));
            assertThat(store.writtenSinceLastSnapshot(vol)).isEqualTo(CHUNK);
            store.createSnapshots(List.of(vol.snapshot("s2")));
            assertThat(store.stats().chunksStored() - stored).isEqualTo(1);
            second = read(disk, SIZE);

            // rollback writes the snapshot back onto the device
            store.rollback(vol.snapshot("s1"), true);
            assertThat(read(disk, SIZE)).isEqualTo(original);
            assertThat(store.writtenSinceLastSnapshot(vol)).isZero();
            assertThat(store.listSnapshots(vol)).hasSize(1);
            store.createSnapshots(List.of(vol.snapshot("s2")));

            byte[] full = send(store, SendRequest.full(vol.snapshot("s1")));
            // apply the change again on the device: s3 = second
            writeAt(disk, 5 << 20, "one block changed".getBytes(StandardCharsets.UTF_8));
            store.createSnapshots(List.of(vol.snapshot("s3")));
            byte[] inc3 = send(store, SendRequest.incremental(vol.snapshot("s1"), vol.snapshot("s3"), false));
            assertThat(inc3.length).isLessThan(20_000);

            // into an image-file volume
            DatasetName copy = DatasetName.of("local/vm/copy");
            store.receive(copy, new ByteArrayInputStream(full), ReceiveOptions.defaults());
            store.receive(copy, new ByteArrayInputStream(inc3), ReceiveOptions.defaults());
            assertThat(store.volumeDevice(copy)).isEmpty();
            assertThat(Files.readAllBytes(store.volumePath(copy))).isEqualTo(second);

            // into a block-device volume of the same size
            writeAt(target, 3 << 20, random(4096, 9)); // stale bytes the receive must overwrite
            DatasetName onTarget = DatasetName.of("local/vm/replica");
            store.createDeviceVolume(onTarget, target);
            store.receive(onTarget, new ByteArrayInputStream(full), ReceiveOptions.defaults());
            assertThat(read(target, SIZE)).isEqualTo(original);
            store.receive(onTarget, new ByteArrayInputStream(inc3), ReceiveOptions.defaults());
            assertThat(read(target, SIZE)).isEqualTo(second);
            assertThat(store.listSnapshots(onTarget)).extracting(s -> s.name().name()).containsExactly("s1", "s3");

            // a device written since its newest snapshot refuses an incremental without rollback
            writeAt(target, 0, "local change".getBytes(StandardCharsets.UTF_8));
            store.createSnapshots(List.of(vol.snapshot("s4")));
            byte[] inc4 = send(store, SendRequest.incremental(vol.snapshot("s3"), vol.snapshot("s4"), false));
            assertThat(code(() -> receiveQuietly(store, onTarget, inc4, ReceiveOptions.defaults()))).isEqualTo(ErrorCode.TARGET_MODIFIED);

            // a too-small device is refused before anything is committed
            DatasetName tooSmall = DatasetName.of("local/vm/small");
            store.createDeviceVolume(tooSmall, small);
            assertThat(store.writtenSinceLastSnapshot(tooSmall)).as("a blank device holds nothing to lose").isZero();
            DatasetException e = catchThrowableOfType(DatasetException.class,
                    () -> store.receive(tooSmall, new ByteArrayInputStream(full), ReceiveOptions.defaults()));
            assertThat(e.code()).isEqualTo(ErrorCode.NO_SPACE);
            assertThat(e.getMessage()).contains(small.toString()).contains("too small").contains(String.valueOf(SIZE));
            assertThat(store.listSnapshots(tooSmall)).isEmpty();
            assertThat(code(() -> store.restoreVolume(vol.snapshot("s1"), small))).isEqualTo(ErrorCode.BUSY); // it backs a volume
            store.destroyDataset(tooSmall, false);
            assertThat(code(() -> store.restoreVolume(vol.snapshot("s1"), small))).isEqualTo(ErrorCode.NO_SPACE);

            // restore onto a spare device: only the chunks that differ are written
            Path spare = loop("spare.img", SIZE);
            writeAt(spare, 10 << 20, Arrays.copyOfRange(second, 10 << 20, (10 << 20) + 50_000));
            long written = store.restoreVolume(vol.snapshot("s3"), spare);
            assertThat(read(spare, SIZE)).isEqualTo(second);
            assertThat(written).isLessThan(original.length / 100);
            // the same through restore(), as the CLI's `snapshot restore DS@S / --to /dev/...` calls it
            store.restore(vol.snapshot("s1"), "/", spare);
            assertThat(read(spare, SIZE)).isEqualTo(original);
            assertThat(store.verify("local").clean()).isTrue();
        }
        try (EmbeddedStore store = StoreTestSupport.open(dir)) {
            assertThat(store.volumeDevice(vol)).contains(disk); // recorded in the dataset file
            assertThat(store.listSnapshots(vol)).extracting(s -> s.name().name()).containsExactly("s1", "s2", "s3", "s4");
        }
    }

    private static void receiveQuietly(EmbeddedStore store, DatasetName target, byte[] stream, ReceiveOptions options) {
        try {
            store.receive(target, new ByteArrayInputStream(stream), options);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aDeviceInUseOrNotADeviceIsRefusedClearly() throws Exception {
        Path disk = loop("fs.img", SIZE);
        run("mkfs.ext4", "-q", "-F", disk.toString());
        Path mnt = dir.resolve("mnt");
        DatasetName vol = DatasetName.of("local/fs");
        try (EmbeddedStore store = StoreTestSupport.open(dir)) {
            DatasetException notDevice = catchThrowableOfType(DatasetException.class,
                    () -> store.createDeviceVolume(DatasetName.of("local/x"), dir.resolve("fs.img")));
            assertThat(notDevice.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(notDevice.getMessage()).contains("is not a block device");
            assertThat(code(() -> store.createDeviceVolume(DatasetName.of("local/x"), Path.of("dev/loop0")))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(code(() -> store.createDeviceVolume(DatasetName.of("local/x"), dir.resolve("no-such-device")))).isEqualTo(ErrorCode.NOT_FOUND);

            store.createDeviceVolume(vol, disk);
            assertThat(code(() -> store.createDeviceVolume(DatasetName.of("local/again"), disk))).isEqualTo(ErrorCode.ALREADY_EXISTS);
            store.createSnapshots(List.of(vol.snapshot("formatted")));
            byte[] formatted = read(disk, SIZE);

            mount(disk, mnt);
            Files.writeString(mnt.resolve("file"), "written while mounted");
            DatasetException mounted = catchThrowableOfType(DatasetException.class, () -> store.rollback(vol.snapshot("formatted"), false));
            assertThat(mounted.code()).isEqualTo(ErrorCode.BUSY);
            assertThat(mounted.getMessage()).contains(disk.toString()).contains("mounted at " + mnt).contains("unmount");
            assertThat(store.listSnapshots(vol)).hasSize(1);
            assertThat(code(() -> store.createDeviceVolume(DatasetName.of("local/other"), disk))).isEqualTo(ErrorCode.BUSY);
            byte[] full = send(store, SendRequest.full(vol.snapshot("formatted")));
            assertThat(code(() -> receiveQuietly(store, vol, full, ReceiveOptions.defaults().withRollback(true)))).isEqualTo(ErrorCode.BUSY);
            assertThat(code(() -> store.restoreVolume(vol.snapshot("formatted"), disk))).isEqualTo(ErrorCode.BUSY);
            // the kernel's own guard under the write-back: an exclusive open of a mounted device is EBUSY
            assertThat(catchThrowableOfType(NativeFs.DeviceBusyException.class, () -> NativeFs.claimExclusive(disk)))
                    .hasMessageContaining(disk.toString());
            unmount(mnt);
            // and while the store holds the claim, the device cannot be mounted
            try (NativeFs.Claim claim = NativeFs.claimExclusive(disk)) {
                IOException refused = catchThrowableOfType(IOException.class, () -> run("mount", disk.toString(), mnt.toString()));
                if (refused == null) {
                    cleanup.push(new String[] {"umount", mnt.toString()});
                }
                assertThat(refused).as("a mount while the device is claimed").isNotNull();
            }

            assertThat(store.writtenSinceLastSnapshot(vol)).isPositive();
            store.rollback(vol.snapshot("formatted"), false);
            assertThat(read(disk, SIZE)).isEqualTo(formatted);
            mount(disk, mnt);
            assertThat(mnt.resolve("file")).doesNotExist();
        }
    }
}
