package io.snapferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who uses a block device, read from a fake /sys/dev/block, mount table and swap table: a disk
 * with two partitions (sda: 8:0, sda1: 8:1, sda2: 8:2) and a second disk (sdb: 8:16).
 */
class BlockDeviceUseTest {
    @TempDir
    Path dir;

    private final Map<String, String> numbers = Map.of("/dev/sda", "8:0", "/dev/sda1", "8:1", "/dev/sda2", "8:2", "/dev/sdb", "8:16");
    private BlockDevice.SystemView view;

    private static final BlockDevice.Info SDA = new BlockDevice.Info(Path.of("/dev/sda"), 8, 0, 1 << 30);
    private static final BlockDevice.Info SDA1 = new BlockDevice.Info(Path.of("/dev/sda1"), 8, 1, 1 << 29);
    private static final BlockDevice.Info SDA2 = new BlockDevice.Info(Path.of("/dev/sda2"), 8, 2, 1 << 29);
    private static final BlockDevice.Info SDB = new BlockDevice.Info(Path.of("/dev/sdb"), 8, 16, 1 << 30);

    private void node(String path, String dev, boolean partition) throws IOException {
        Path n = dir.resolve("devices").resolve(path);
        Files.createDirectories(n.resolve("holders"));
        Files.writeString(n.resolve("dev"), dev + "\n");
        if (partition) {
            Files.writeString(n.resolve("partition"), "1\n");
        }
        Files.createSymbolicLink(dir.resolve("sys").resolve(dev), n);
    }

    @BeforeEach
    void fakeTree() throws IOException {
        Files.createDirectories(dir.resolve("sys"));
        node("sda", "8:0", false);
        node("sda/sda1", "8:1", true);
        node("sda/sda2", "8:2", true);
        node("sdb", "8:16", false);
        mounts("");
        Files.writeString(dir.resolve("swaps"), "Filename\tType\tSize\tUsed\tPriority\n");
        view = new BlockDevice.SystemView(dir.resolve("sys"), dir.resolve("mountinfo"), dir.resolve("swaps"),
                p -> numbers.get(p.toString()));
    }

    private void mounts(String lines) throws IOException {
        Files.writeString(dir.resolve("mountinfo"),
                "22 1 0:21 / /proc rw,nosuid - proc proc rw\n" + lines, StandardCharsets.UTF_8);
    }

    @Test
    void unusedDevicesAreFree() {
        assertThat(BlockDevice.use(SDA, view)).isNull();
        assertThat(BlockDevice.use(SDA1, view)).isNull();
        assertThat(BlockDevice.use(SDB, view)).isNull();
    }

    @Test
    void aMountedPartitionMakesItsDiskBusyButNotItsSibling() throws IOException {
        mounts("40 1 8:1 / /srv/data\\040files rw - ext4 /dev/sda1 rw\n");
        assertThat(BlockDevice.use(SDA1, view)).isEqualTo("/dev/sda1 is mounted at /srv/data files");
        assertThat(BlockDevice.use(SDA, view)).isEqualTo("/dev/sda (its partition /dev/sda1) is mounted at /srv/data files");
        assertThat(BlockDevice.use(SDA2, view)).isNull();
        assertThat(BlockDevice.use(SDB, view)).isNull();
    }

    @Test
    void aPartitionOfAMountedWholeDiskIsBusy() throws IOException {
        mounts("41 1 8:0 / /mnt rw - xfs /dev/sda rw\n");
        assertThat(BlockDevice.use(SDA2, view)).isEqualTo("/dev/sda2 (its disk /dev/sda) is mounted at /mnt");
    }

    @Test
    void aMountKnownOnlyBySourceIsFoundToo() throws IOException {
        // btrfs reports an anonymous device number; its source names the device
        mounts("42 1 0:45 / /pool rw - btrfs /dev/sdb rw\n");
        assertThat(BlockDevice.use(SDB, view)).isEqualTo("/dev/sdb is mounted at /pool");
    }

    @Test
    void holdersAndSwapMakeADeviceBusy() throws IOException {
        Files.createDirectories(dir.resolve("devices/sda/sda2/holders/dm-0"));
        assertThat(BlockDevice.use(SDA, view)).isEqualTo("/dev/sda (its partition /dev/sda2) is held by dm-0 (device-mapper, md or LVM)");
        assertThat(BlockDevice.use(SDA2, view)).isEqualTo("/dev/sda2 is held by dm-0 (device-mapper, md or LVM)");
        Files.writeString(dir.resolve("swaps"), "Filename\tType\tSize\tUsed\tPriority\n/dev/sdb    partition\t1048572\t0\t-2\n");
        assertThat(BlockDevice.use(SDB, view)).isEqualTo("/dev/sdb is in use as swap");
    }
}
