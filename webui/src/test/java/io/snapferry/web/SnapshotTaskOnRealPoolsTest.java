package io.snapferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.Snapshot;
import io.snapferry.store.EmbeddedStore;
import io.snapferry.testing.MutableClock;
import io.snapferry.zfs.ZfsCommandProvider;
import io.snapferry.zfs.ZfsTestPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Periodic snapshot tasks on the real providers, zfs-fuse and the embedded store: scheduled by an
 * injected clock, recursive with an excluded child, allow-empty off on an idle dataset, lifetime
 * retention destroying exactly the expired snapshots of the task's schema.
 */
class SnapshotTaskOnRealPoolsTest {
    @TempDir
    Path tmp;
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:30Z"), ZoneOffset.UTC);
    TestBox box;
    ZfsTestPool zfsPool;
    DatasetProvider provider;
    DatasetName root;

    @AfterEach
    void stop() throws Exception {
        if (box != null) {
            box.close();
        }
        if (zfsPool != null) {
            zfsPool.close();
        }
    }

    private void open(String kind) throws Exception {
        if (kind.equals("zfs")) {
            zfsPool = ZfsTestPool.create();
            provider = new ZfsCommandProvider();
            root = zfsPool.root().child("home");
        } else {
            provider = new EmbeddedStore(Map.of("store", tmp.resolve("store")));
            root = DatasetName.of("store/home");
        }
        provider.createDataset(root.child("alice"));
        provider.createDataset(root.child("cache"));
        box = new TestBox(tmp.resolve("data"), clock, List.of(provider));
        box.appliance().settings().put(new io.snapferry.daemon.config.Settings("UTC", 2));
    }

    private Path files(DatasetName d) {
        if (zfsPool != null) {
            return zfsPool.mounted(d);
        }
        return ((EmbeddedStore) provider).mountpoint(d);
    }

    private List<String> names(DatasetName d) {
        return provider.listSnapshots(d).stream().map(Snapshot::shortName).toList();
    }

    private TestBox.Result ok(String... args) {
        TestBox.Result r = box.cli(args);
        assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isZero();
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {"zfs", "embedded"})
    void scheduleRecursionExclusionAllowEmptyAndLifetime(String kind) throws Exception {
        open(kind);
        Files.writeString(files(root.child("alice")).resolve("notes.txt"), "v1");
        ok("snapshot", "create", root + "@by-hand");
        List<String> lines = ok("snapshot-task", "create", "--dataset", root.value(), "--recursive", "--exclude",
                root.child("cache").value(), "--naming", "auto-%Y-%m-%d_%H-%M", "--schedule", "*/15 * * * *",
                "--lifetime", "40m").out().strip().lines().toList();
        String id = lines.get(lines.size() - 1);

        assertThat(ok("snapshot-task", "run", id, "--wait").out()).contains("created 2 snapshots @auto-2026-11-22_10-00");
        assertThat(names(root)).containsExactly("by-hand", "auto-2026-11-22_10-00");
        assertThat(names(root.child("alice"))).containsExactly("auto-2026-11-22_10-00");
        assertThat(names(root.child("cache"))).isEmpty();

        // Idle: nothing written since the last snapshot, so allow-empty off takes none.
        clock.advance(Duration.ofMinutes(15));
        assertThat(ok("snapshot-task", "run", id, "--wait").out()).contains("skipped: nothing changed");
        assertThat(names(root.child("alice"))).hasSize(1);

        // The schedule fires by the injected clock after writes; a 40-minute lifetime then prunes 10:00.
        var scheduler = box.appliance().scheduler();
        scheduler.runDue();
        for (int i = 0; i < 3; i++) {
            Files.writeString(files(root.child("alice")).resolve("notes.txt"), "v" + (i + 2));
            clock.advance(Duration.ofMinutes(15));
            CompletableFuture.allOf(scheduler.runDue().toArray(CompletableFuture[]::new)).join();
        }
        assertThat(names(root.child("alice"))).containsExactly("auto-2026-11-22_10-30", "auto-2026-11-22_10-45",
                "auto-2026-11-22_11-00");
        assertThat(names(root)).containsExactly("by-hand", "auto-2026-11-22_10-30", "auto-2026-11-22_10-45",
                "auto-2026-11-22_11-00");
        assertThat(names(root.child("cache"))).isEmpty();
    }
}
