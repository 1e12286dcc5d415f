package io.snapferry.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.dataset.DatasetName;
import io.snapferry.store.EmbeddedStore;
import io.snapferry.store.StoreOptions;
import io.snapferry.testing.Requirements;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replication from an image-file volume onto a volume backed by a block device (a loop device,
 * as root), with the store's exact size estimate reaching the progress listener.
 */
class BlockDeviceReplicationTest {
    private static final int SIZE = 8 << 20;

    @TempDir
    Path tmp;

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
        return out;
    }

    private static void writeAt(Path file, long offset, byte[] data) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.write(data);
        }
    }

    private static byte[] head(Path device, int n) throws Exception {
        try (InputStream in = Files.newInputStream(device)) {
            return in.readNBytes(n);
        }
    }

    @Test
    void aVolumeIsReplicatedOntoABlockDeviceFullThenIncremental() throws Exception {
        Requirements.require(Requirements.isRoot() && Requirements.onPath("losetup"), "root with losetup");
        Path img = tmp.resolve("target.img");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(SIZE);
        }
        Path loop = Path.of(run("losetup", "-f", "--show", img.toString()));
        try (EmbeddedStore store = new EmbeddedStore(Map.of("local", tmp.resolve("pool")),
                StoreOptions.defaults().withChunkSizes(2 * 1024, 8 * 1024, 64 * 1024), Clock.systemUTC())) {
            DatasetName vm = DatasetName.of("local/vm");
            DatasetName backup = DatasetName.of("local/backup");
            store.createVolume(vm, SIZE);
            store.createDeviceVolume(backup, loop);
            byte[] data = new byte[300_000];
            new Random(1).nextBytes(data);
            writeAt(store.volumePath(vm), 4096, data);
            store.createSnapshots(List.of(vm.snapshot("auto-1")));

            LocalEndpoint source = new LocalEndpoint("box-a", store, tmp.resolve("own-a"));
            LocalEndpoint target = new LocalEndpoint("box-b", store, tmp.resolve("own-b"));
            Replicator replicator = new Replicator(Replicator.Settings.defaults(), d -> { }, StreamTransform.IDENTITY);
            ReplicationSpec spec = new ReplicationSpec("t1", List.of(vm), backup, false, Set.of(), n -> n.startsWith("auto-"), false, 0);
            List<long[]> seen = Collections.synchronizedList(new ArrayList<>());
            ProgressListener progress = (d, s, b, t) -> seen.add(new long[] {b, t.orElse(-1)});

            ReplicationResult first = replicator.run(spec, source, target, progress, Clock.systemUTC());
            assertThat(first.ok()).as(first.toString()).isTrue();
            assertThat(head(loop, SIZE)).isEqualTo(Files.readAllBytes(store.volumePath(vm)));
            long[] last = seen.get(seen.size() - 1);
            assertThat(last[1]).as("the store's estimate is the stream's exact size").isEqualTo(last[0]);

            writeAt(store.volumePath(vm), 6 << 20, "changed".getBytes(StandardCharsets.UTF_8));
            store.createSnapshots(List.of(vm.snapshot("auto-2")));
            seen.clear();
            ReplicationResult second = replicator.run(spec, source, target, progress, Clock.systemUTC());
            assertThat(second.ok()).as(second.toString()).isTrue();
            assertThat(second.datasets().get(0).bytes()).isLessThan(20_000); // one changed chunk
            assertThat(head(loop, SIZE)).isEqualTo(Files.readAllBytes(store.volumePath(vm)));
            // the estimate is asked beside the transfer: unknown (-1) until answered, then exact
            assertThat(seen).allSatisfy(x -> assertThat(x[1]).isIn(-1L, second.datasets().get(0).bytes()));
            assertThat(seen.get(seen.size() - 1)[1]).isEqualTo(second.datasets().get(0).bytes());
            assertThat(store.listSnapshots(backup)).extracting(s -> s.shortName()).containsExactly("auto-1", "auto-2");
        } finally {
            run("losetup", "-d", loop.toString());
        }
    }
}
