package io.snapferry.zfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.dataset.DatasetName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZfsTestPoolTest {

    @Test
    void onlyOurOwnNamesCountAsOurs() {
        assertThat(ZfsTestPool.isOurs("sft1795392185xebbcfe")).isTrue();
        assertThat(ZfsTestPool.isOurs("sftmanual")).isFalse();
        assertThat(ZfsTestPool.isOurs("tank")).isFalse();
        assertThat(ZfsTestPool.isOurs("sft1795392185xebbcfe2")).isFalse();
    }

    @Test
    void createsAMountedPoolAndRemovesOnlyStaleOnes(@TempDir Path dir) throws IOException {
        try (ZfsTestPool pool = ZfsTestPool.create()) {
            assertThat(pool.root()).isEqualTo(DatasetName.of(pool.name()));
            Files.writeString(pool.mounted(pool.root()).resolve("hello"), "hi");
            assertThat(Files.readString(pool.mountpoint().resolve("hello"))).isEqualTo("hi");

            // a pool left behind two hours ago by a run that crashed
            String stale = "sft" + (System.currentTimeMillis() / 1000 - 7200) + "xabcdef";
            Path file = dir.resolve("stale.img");
            Process p = new ProcessBuilder(List.of("truncate", "-s", "128M", file.toString())).start();
            assertThat(waitFor(p)).isZero();
            p = new ProcessBuilder(List.of(ZfsCommandProvider.defaultBinary("zpool"), "create", "-f", "-m",
                    dir.resolve("stale-mnt").toString(), stale, file.toString())).redirectErrorStream(true).start();
            assertThat(waitFor(p)).isZero();

            ZfsTestPool.removeStalePools();
            List<String> pools = new ZfsCommandProvider().pools();
            assertThat(pools).doesNotContain(stale).contains(pool.name());
        }
    }

    private static int waitFor(Process p) {
        try {
            p.getInputStream().readAllBytes();
            return p.waitFor();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
