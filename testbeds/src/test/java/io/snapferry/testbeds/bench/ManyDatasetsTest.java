package io.snapferry.testbeds.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.Snapshot;
import io.snapferry.store.EmbeddedStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fixture of the nothing-to-do benchmark: the tree it builds in a real embedded store. */
class ManyDatasetsTest {
    @TempDir
    Path tmp;

    @Test
    void buildsEveryDatasetWithItsSnapshotsInRoundsAndNoEmptySnapshot() throws Exception {
        ManyDatasets tree = new ManyDatasets(DatasetName.of("local/many"), 3, 4, 64);
        try (EmbeddedStore store = new EmbeddedStore(Map.of("local", tmp.resolve("pool")))) {
            tree.build(store, 7);

            assertThat(store.listDatasets(Optional.of(DatasetName.of("local/many"))).stream().map(Dataset::name).map(DatasetName::value))
                    .containsExactly("local/many", "local/many/c000", "local/many/c001", "local/many/c002");
            List<Snapshot> all = store.listSnapshotsBelow(DatasetName.of("local/many"));
            assertThat(all).hasSize(tree.totalSnapshots()).hasSize(16);
            for (DatasetName d : tree.datasets()) {
                assertThat(store.listSnapshots(d).stream().map(s -> s.name().name()))
                        .as("snapshots of %s", d).containsExactly("m000", "m001", "m002", "m003");
            }
            // every round wrote a new file into every dataset: no snapshot is empty, each holds more than the one before
            for (DatasetName d : tree.datasets()) {
                assertThat(store.listSnapshots(d).stream().map(Snapshot::referenced)).as("referenced bytes of %s", d)
                        .isSorted().doesNotHaveDuplicates().allMatch(r -> r >= 64);
            }
            Path c1 = store.mountpoint(DatasetName.of("local/many/c001"));
            assertThat(Files.list(c1).map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("f0", "f1", "f2", "f3");
            assertThat(Files.size(c1.resolve("f3"))).isEqualTo(64);
            assertThat(store.writtenSinceLastSnapshot(DatasetName.of("local/many/c001"))).isZero();
        }
    }

    @Test
    void theSameSeedWritesTheSameBytes() throws Exception {
        ManyDatasets tree = new ManyDatasets(DatasetName.of("local/t"), 1, 2, 32);
        try (EmbeddedStore a = new EmbeddedStore(Map.of("local", tmp.resolve("a")));
             EmbeddedStore b = new EmbeddedStore(Map.of("local", tmp.resolve("b")));
             EmbeddedStore c = new EmbeddedStore(Map.of("local", tmp.resolve("c")))) {
            tree.build(a, 1);
            tree.build(b, 1);
            tree.build(c, 2);
            Path f = Path.of("f1");
            DatasetName child = DatasetName.of("local/t/c000");
            assertThat(Files.readAllBytes(b.mountpoint(child).resolve(f))).isEqualTo(Files.readAllBytes(a.mountpoint(child).resolve(f)));
            assertThat(Files.readAllBytes(c.mountpoint(child).resolve(f))).isNotEqualTo(Files.readAllBytes(a.mountpoint(child).resolve(f)));
        }
    }

    @Test
    void refusesSizesOutsideItsRange() {
        DatasetName root = DatasetName.of("local/many");
        assertThatThrownBy(() -> new ManyDatasets(root, 1001, 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1001 x 1");
        assertThatThrownBy(() -> new ManyDatasets(root, 1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ManyDatasets(root, 1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
