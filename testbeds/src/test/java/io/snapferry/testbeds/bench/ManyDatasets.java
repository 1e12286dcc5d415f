package io.snapferry.testbeds.bench;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.store.EmbeddedStore;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A tree of many datasets with many snapshots in an {@link EmbeddedStore}, built fast: {@code root}
 * with {@code children} child datasets {@code c000, c001, ...}, and {@code snapshots} rounds, each
 * one {@link EmbeddedStore#createSnapshots} of {@code root@mNNN} and every child's {@code @mNNN}
 * at once after a small file of random bytes was written into each of them (so that no snapshot is
 * empty and consecutive snapshots differ). Deterministic for a given seed.
 *
 * @param root      the parent dataset; must not exist yet, its parent must
 * @param children  how many child datasets (at most 1,000)
 * @param snapshots how many snapshots each of the {@code children + 1} datasets gets (at most 1,000)
 * @param fileBytes bytes written into each dataset before each round
 */
record ManyDatasets(DatasetName root, int children, int snapshots, int fileBytes) {
    /** The files written into a dataset are {@code f0 .. f(FILES - 1)}, overwritten in turn. */
    static final int FILES = 10;

    ManyDatasets {
        if (children < 0 || children > 1000 || snapshots < 1 || snapshots > 1000 || fileBytes < 1) {
            throw new IllegalArgumentException("a tree of 0..1000 children with 1..1000 snapshots of at least one byte written"
                    + " each round, not " + children + " x " + snapshots + " with " + fileBytes + " bytes");
        }
    }

    /** The datasets, parent first, then the children in name order. */
    List<DatasetName> datasets() {
        List<DatasetName> out = new ArrayList<>();
        out.add(root);
        for (int c = 0; c < children; c++) {
            out.add(root.child(String.format(Locale.ROOT, "c%03d", c)));
        }
        return out;
    }

    /** The name of round {@code round}'s snapshots. */
    static String snapshotName(int round) {
        return String.format(Locale.ROOT, "m%03d", round);
    }

    /** The number of snapshots in the whole tree. */
    int totalSnapshots() {
        return (children + 1) * snapshots;
    }

    /** Creates the datasets and their snapshots in {@code store}; see the class comment. */
    void build(EmbeddedStore store, long seed) throws IOException {
        List<DatasetName> all = datasets();
        for (DatasetName d : all) {
            store.createDataset(d);
        }
        SplittableRandom random = new SplittableRandom(seed);
        byte[] bytes = new byte[fileBytes];
        for (int round = 0; round < snapshots; round++) {
            List<SnapshotName> batch = new ArrayList<>(all.size());
            for (DatasetName d : all) {
                random.nextBytes(bytes);
                Files.write(store.mountpoint(d).resolve("f" + round % FILES), bytes);
                batch.add(d.snapshot(snapshotName(round)));
            }
            store.createSnapshots(batch);
        }
    }
}
