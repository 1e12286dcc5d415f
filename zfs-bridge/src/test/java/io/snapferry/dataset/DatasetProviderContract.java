package io.snapferry.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The dataset SPI's contract, as tests. Every provider (the in-memory fake, ZFS on zfs-fuse, the
 * embedded store) runs this same suite by extending it.
 *
 * <p>Each test works below its own fresh {@link #scratch()} dataset, so providers may share a pool
 * across tests.
 */
public abstract class DatasetProviderContract {

    /** The provider under test. */
    protected abstract DatasetProvider provider();

    /** A fresh, empty dataset for one test to work under. Called once per test. */
    protected abstract DatasetName scratch();

    /** Writes a file into the live state of a dataset. */
    protected abstract void writeFile(DatasetName dataset, String path, byte[] data) throws IOException;

    /** Reads a file from the live state of a dataset, or null when it is not there. */
    protected abstract byte[] readFile(DatasetName dataset, String path) throws IOException;

    protected static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private List<String> names(DatasetName ds) {
        return provider().listSnapshots(ds).stream().map(Snapshot::shortName).toList();
    }

    private List<Long> guids(DatasetName ds) {
        return provider().listSnapshots(ds).stream().map(Snapshot::guid).toList();
    }

    private byte[] sendAll(SendRequest request) throws IOException {
        try (InputStream in = provider().send(request)) {
            return in.readAllBytes();
        }
    }

    private ReceiveResult receive(DatasetName target, byte[] stream, ReceiveOptions options) throws IOException {
        return provider().receive(target, new ByteArrayInputStream(stream), options);
    }

    @Test
    void createdDatasetIsListedWithIdentity() {
        DatasetName base = scratch();
        DatasetName a = base.child("a");
        Dataset created = provider().createDataset(a);
        assertThat(created.name()).isEqualTo(a);
        assertThat(created.guid()).isNotZero();
        assertThat(provider().listDatasets(Optional.of(base))).extracting(Dataset::name).containsExactly(base, a);
        assertThat(provider().exists(a)).isTrue();
        assertThat(provider().exists(base.child("nope"))).isFalse();
        assertThat(provider().pools()).contains(base.pool());
        assertThat(provider().space(base.pool()).size()).isPositive();
    }

    @Test
    void createExistingDatasetIsAlreadyExists() {
        DatasetName a = scratch().child("a");
        provider().createDataset(a);
        DatasetException e = catchThrowableOfType(DatasetException.class, () -> provider().createDataset(a));
        assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS);
    }

    @Test
    void missingThingsAreNotFound() {
        DatasetName base = scratch();
        DatasetName missing = base.child("missing");
        assertThat(catchThrowableOfType(DatasetException.class, () -> provider().listSnapshots(missing)).code())
                .isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(catchThrowableOfType(DatasetException.class, () -> provider().dataset(missing)).code())
                .isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(catchThrowableOfType(DatasetException.class,
                () -> provider().rollback(base.snapshot("nope"), false)).code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(catchThrowableOfType(DatasetException.class,
                () -> provider().hold(base.snapshot("nope"), "t")).code()).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void snapshotsAreListedOldestFirstWithDistinctGuids() throws IOException {
        DatasetName ds = scratch();
        writeFile(ds, "f", bytes("one"));
        provider().createSnapshots(List.of(ds.snapshot("s1")));
        writeFile(ds, "f", bytes("two"));
        provider().createSnapshots(List.of(ds.snapshot("s2")));
        List<Snapshot> snaps = provider().listSnapshots(ds);
        assertThat(snaps).extracting(Snapshot::shortName).containsExactly("s1", "s2");
        assertThat(snaps.get(0).guid()).isNotEqualTo(snaps.get(1).guid()).isNotZero();
        assertThat(snaps.get(0).createTxg()).isLessThan(snaps.get(1).createTxg());
        assertThat(snaps.get(0).createdAt()).isNotNull();
        assertThat(snaps).allSatisfy(s -> assertThat(s.holds()).isZero());
    }

    @Test
    void recursiveSnapshotIsAtomicAcrossDatasets() {
        DatasetName base = scratch();
        DatasetName child = base.child("c");
        provider().createDataset(child);
        provider().createSnapshots(List.of(base.snapshot("r"), child.snapshot("r")));
        assertThat(names(base)).containsExactly("r");
        assertThat(names(child)).containsExactly("r");
        assertThat(provider().listSnapshots(base).get(0).createTxg())
                .isEqualTo(provider().listSnapshots(child).get(0).createTxg());
    }

    @Test
    void snapshotBatchWithAnExistingNameCreatesNothing() {
        DatasetName base = scratch();
        DatasetName child = base.child("c");
        provider().createDataset(child);
        provider().createSnapshots(List.of(child.snapshot("x")));
        DatasetException e = catchThrowableOfType(DatasetException.class,
                () -> provider().createSnapshots(List.of(base.snapshot("x"), child.snapshot("x"))));
        assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS);
        assertThat(names(base)).isEmpty();
        assertThat(names(child)).containsExactly("x");
    }

    @Test
    void snapshotsBelowListTheWholeTreeGroupedByDatasetParentsFirst() throws IOException {
        DatasetName base = scratch();
        DatasetName b = base.child("b");
        DatasetName a = base.child("a");
        DatasetName aa = a.child("x");
        DatasetName empty = base.child("e");
        for (DatasetName d : List.of(b, a, aa, empty)) {
            provider().createDataset(d);
        }
        provider().createSnapshots(List.of(b.snapshot("b1")));
        writeFile(aa, "f", bytes("one"));
        provider().createSnapshots(List.of(aa.snapshot("x1")));
        provider().createSnapshots(List.of(base.snapshot("r1")));
        provider().createSnapshots(List.of(a.snapshot("a1")));
        writeFile(aa, "f", bytes("two"));
        provider().createSnapshots(List.of(aa.snapshot("x2")));
        provider().hold(aa.snapshot("x1"), "snapferry-test");

        List<Snapshot> all = provider().listSnapshotsBelow(base);
        assertThat(all).extracting(s -> s.name().toString()).containsExactly(base + "@r1", a + "@a1", aa + "@x1", aa + "@x2",
                b + "@b1");
        for (DatasetName d : List.of(base, a, aa, b)) {
            assertThat(all.stream().filter(s -> s.dataset().equals(d)).toList())
                    .as("the tree listing agrees with the listing of %s", d).isEqualTo(provider().listSnapshots(d));
        }
        assertThat(provider().listSnapshotsBelow(a)).extracting(Snapshot::shortName).containsExactly("a1", "x1", "x2");
        assertThat(provider().listSnapshotsBelow(empty)).isEmpty();
        assertThat(catchThrowableOfType(DatasetException.class, () -> provider().listSnapshotsBelow(base.child("missing")))
                .code()).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void theTreeListingShowsDatasetsSnapshotsAndTheTagsOfHeldSnapshotsAsTheSingleListingsDo() throws IOException {
        DatasetName base = scratch();
        DatasetName a = base.child("a");
        DatasetName aa = a.child("a");
        DatasetName empty = base.child("empty");
        for (DatasetName d : List.of(a, aa, empty)) {
            provider().createDataset(d);
        }
        provider().createSnapshots(List.of(base.snapshot("r1")));
        writeFile(aa, "f", bytes("one"));
        provider().createSnapshots(List.of(aa.snapshot("x1")));
        writeFile(aa, "f", bytes("two"));
        provider().createSnapshots(List.of(aa.snapshot("x2")));
        provider().createSnapshots(List.of(a.snapshot("a1")));
        provider().hold(aa.snapshot("x1"), "snapferry-one");
        provider().hold(aa.snapshot("x1"), "snapferry-two");
        provider().hold(base.snapshot("r1"), "snapferry-one");
        provider().hold(a.snapshot("a1"), "snapferry-gone");
        provider().release(a.snapshot("a1"), "snapferry-gone");

        DatasetTree tree = provider().listTree(base);
        assertThat(tree.datasets()).containsExactly(base, a, aa, empty);
        assertThat(tree.snapshots()).isEqualTo(provider().listSnapshotsBelow(base));
        assertThat(tree.holds()).isEqualTo(java.util.Map.of(aa.snapshot("x1"), java.util.Set.of("snapferry-one", "snapferry-two"),
                base.snapshot("r1"), java.util.Set.of("snapferry-one")));
        DatasetTree below = provider().listTree(a);
        assertThat(below.datasets()).containsExactly(a, aa);
        assertThat(below.snapshots()).extracting(Snapshot::shortName).containsExactly("a1", "x1", "x2");
        assertThat(below.holds()).containsOnlyKeys(aa.snapshot("x1"));
        assertThat(provider().listTree(empty)).isEqualTo(new DatasetTree(List.of(empty), List.of(), java.util.Map.of()));
        assertThat(catchThrowableOfType(DatasetException.class, () -> provider().listTree(base.child("missing")))
                .code()).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void holdsOfManySnapshotsAnswersEachAndLeavesOutMissingOnes() {
        DatasetName base = scratch();
        DatasetName c = base.child("c");
        provider().createDataset(c);
        provider().createSnapshots(List.of(base.snapshot("a")));
        provider().createSnapshots(List.of(c.snapshot("b")));
        provider().createSnapshots(List.of(c.snapshot("free")));
        provider().hold(base.snapshot("a"), "snapferry-one");
        provider().hold(base.snapshot("a"), "snapferry-two");
        provider().hold(c.snapshot("b"), "snapferry-one");

        java.util.Map<SnapshotName, java.util.Set<String>> tags = provider().holdsOf(List.of(c.snapshot("b"),
                base.snapshot("missing"), base.snapshot("a"), c.snapshot("free")));
        assertThat(tags.keySet()).containsExactly(c.snapshot("b"), base.snapshot("a"), c.snapshot("free"));
        assertThat(tags.get(base.snapshot("a"))).containsExactlyInAnyOrder("snapferry-one", "snapferry-two");
        assertThat(tags.get(c.snapshot("b"))).containsExactly("snapferry-one");
        assertThat(tags.get(c.snapshot("free"))).isEmpty();

        provider().release(base.snapshot("a"), "snapferry-one");
        assertThat(provider().holdsOf(List.of(base.snapshot("a")))).containsExactly(
                java.util.Map.entry(base.snapshot("a"), java.util.Set.of("snapferry-two")));
        assertThat(provider().holdsOf(List.of())).isEmpty();
    }

    @Test
    void holdsProtectFromDestroyAndAreReleased() {
        DatasetName ds = scratch();
        provider().createSnapshots(List.of(ds.snapshot("a")));
        provider().createSnapshots(List.of(ds.snapshot("b")));
        provider().createSnapshots(List.of(ds.snapshot("c")));
        SnapshotName a = ds.snapshot("a");
        provider().hold(a, "snapferry-test");
        assertThat(provider().holds(a)).containsExactly("snapferry-test");
        assertThat(provider().listSnapshots(ds).get(0).holds()).isEqualTo(1);
        assertThat(catchThrowableOfType(DatasetException.class, () -> provider().hold(a, "snapferry-test")).code())
                .isEqualTo(ErrorCode.ALREADY_EXISTS);

        DestroyResult r = provider().destroySnapshots(List.of(a, ds.snapshot("b"), ds.snapshot("missing")));
        assertThat(r.destroyed()).containsExactly(ds.snapshot("b"));
        assertThat(r.skipped()).containsOnlyKeys(a, ds.snapshot("missing"));
        assertThat(r.skipped().get(a)).contains("held");
        assertThat(names(ds)).containsExactly("a", "c");

        provider().release(a, "snapferry-test");
        assertThat(provider().holds(a)).isEmpty();
        assertThat(catchThrowableOfType(DatasetException.class, () -> provider().release(a, "snapferry-test")).code())
                .isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(provider().destroySnapshots(List.of(a)).destroyed()).containsExactly(a);
        assertThat(names(ds)).containsExactly("c");
    }

    @Test
    void rollbackRestoresContentAndGuardsNewerSnapshots() throws IOException {
        DatasetName ds = scratch();
        writeFile(ds, "f", bytes("v1"));
        provider().createSnapshots(List.of(ds.snapshot("s1")));
        writeFile(ds, "f", bytes("v2"));
        provider().createSnapshots(List.of(ds.snapshot("s2")));
        writeFile(ds, "f", bytes("v3"));

        provider().rollback(ds.snapshot("s2"), false);
        assertThat(readFile(ds, "f")).isEqualTo(bytes("v2"));

        DatasetException busy = catchThrowableOfType(DatasetException.class, () -> provider().rollback(ds.snapshot("s1"), false));
        assertThat(busy.code()).isEqualTo(ErrorCode.BUSY);
        assertThat(names(ds)).containsExactly("s1", "s2");

        provider().rollback(ds.snapshot("s1"), true);
        assertThat(readFile(ds, "f")).isEqualTo(bytes("v1"));
        assertThat(names(ds)).containsExactly("s1");
    }

    @Test
    void writtenSinceLastSnapshotSeesWrites() throws IOException {
        DatasetName ds = scratch();
        writeFile(ds, "f", random(64 * 1024, 1));
        provider().createSnapshots(List.of(ds.snapshot("s1")));
        long idle = provider().writtenSinceLastSnapshot(ds);
        writeFile(ds, "g", random(256 * 1024, 2));
        assertThat(provider().writtenSinceLastSnapshot(ds)).isGreaterThan(idle);
        assertThat(idle).isLessThan(64 * 1024);
    }

    @Test
    void fullThenIncrementalWithIntermediatesKeepsGuids() throws IOException {
        DatasetName base = scratch();
        DatasetName src = base.child("src");
        provider().createDataset(src);
        writeFile(src, "f", random(100_000, 3));
        provider().createSnapshots(List.of(src.snapshot("s1")));
        DatasetName dst = base.child("dst");

        ReceiveResult full = receive(dst, sendAll(SendRequest.full(src.snapshot("s1"))), ReceiveOptions.defaults());
        assertThat(full.received()).containsExactly(dst.snapshot("s1"));
        assertThat(guids(dst)).isEqualTo(guids(src));

        writeFile(src, "f", random(100_000, 4));
        provider().createSnapshots(List.of(src.snapshot("s2")));
        writeFile(src, "g", random(1000, 5));
        provider().createSnapshots(List.of(src.snapshot("s3")));

        byte[] inc = sendAll(SendRequest.incremental(src.snapshot("s1"), src.snapshot("s3"), true));
        ReceiveResult r = receive(dst, inc, ReceiveOptions.defaults());
        assertThat(r.received()).containsExactly(dst.snapshot("s2"), dst.snapshot("s3"));
        assertThat(names(dst)).containsExactly("s1", "s2", "s3");
        assertThat(guids(dst)).isEqualTo(guids(src));
        provider().rollback(dst.snapshot("s3"), false);
        assertThat(readFile(dst, "g")).isEqualTo(random(1000, 5));
        assertThat(readFile(dst, "f")).isEqualTo(random(100_000, 4));
    }

    @Test
    void incrementalWithoutIntermediatesSkipsThem() throws IOException {
        DatasetName base = scratch();
        DatasetName src = base.child("src");
        provider().createDataset(src);
        provider().createSnapshots(List.of(src.snapshot("s1")));
        writeFile(src, "f", bytes("x"));
        provider().createSnapshots(List.of(src.snapshot("s2")));
        writeFile(src, "f", bytes("y"));
        provider().createSnapshots(List.of(src.snapshot("s3")));
        DatasetName dst = base.child("dst");
        receive(dst, sendAll(SendRequest.full(src.snapshot("s1"))), ReceiveOptions.defaults());
        receive(dst, sendAll(SendRequest.incremental(src.snapshot("s1"), src.snapshot("s3"), false)), ReceiveOptions.defaults());
        assertThat(names(dst)).containsExactly("s1", "s3");
    }

    @Test
    void damagedStreamChangesNothing() throws IOException {
        DatasetName base = scratch();
        DatasetName src = base.child("src");
        provider().createDataset(src);
        writeFile(src, "f", random(200_000, 6));
        provider().createSnapshots(List.of(src.snapshot("s1")));
        writeFile(src, "f", random(200_000, 7));
        provider().createSnapshots(List.of(src.snapshot("s2")));
        DatasetName dst = base.child("dst");
        receive(dst, sendAll(SendRequest.full(src.snapshot("s1"))), ReceiveOptions.defaults());

        byte[] inc = sendAll(SendRequest.incremental(src.snapshot("s1"), src.snapshot("s2"), true));
        byte[] truncated = Arrays.copyOf(inc, inc.length / 2);
        assertThatThrownBy(() -> receive(dst, truncated, ReceiveOptions.defaults().withRollback(true)))
                .isInstanceOfAny(DatasetException.class, IOException.class);
        provider().abortResumableReceive(dst);
        assertThat(names(dst)).containsExactly("s1");

        byte[] flipped = inc.clone();
        flipped[flipped.length / 2] ^= 0x5a;
        flipped[flipped.length / 3] ^= 0x5a;
        assertThatThrownBy(() -> receive(dst, flipped, ReceiveOptions.defaults().withRollback(true)))
                .isInstanceOfAny(DatasetException.class, IOException.class);
        provider().abortResumableReceive(dst);
        assertThat(names(dst)).containsExactly("s1");

        receive(dst, inc, ReceiveOptions.defaults().withRollback(true));
        assertThat(guids(dst)).isEqualTo(guids(src));
    }

    @Test
    void incrementalWithoutItsBaseOnTheTargetIsRefused() throws IOException {
        DatasetName base = scratch();
        DatasetName src = base.child("src");
        provider().createDataset(src);
        provider().createSnapshots(List.of(src.snapshot("s1")));
        writeFile(src, "f", bytes("x"));
        provider().createSnapshots(List.of(src.snapshot("s2")));
        DatasetName other = base.child("other");
        provider().createDataset(other);
        provider().createSnapshots(List.of(other.snapshot("o1")));
        byte[] inc = sendAll(SendRequest.incremental(src.snapshot("s1"), src.snapshot("s2"), true));
        assertThatThrownBy(() -> receive(other, inc, ReceiveOptions.defaults()))
                .isInstanceOf(DatasetException.class);
        assertThat(names(other)).containsExactly("o1");
    }

    @Test
    void modifiedTargetNeedsRollbackToReceive() throws IOException {
        DatasetName base = scratch();
        DatasetName src = base.child("src");
        provider().createDataset(src);
        writeFile(src, "f", bytes("1"));
        provider().createSnapshots(List.of(src.snapshot("s1")));
        DatasetName dst = base.child("dst");
        receive(dst, sendAll(SendRequest.full(src.snapshot("s1"))), ReceiveOptions.defaults());
        writeFile(src, "f", bytes("2"));
        provider().createSnapshots(List.of(src.snapshot("s2")));
        byte[] inc = sendAll(SendRequest.incremental(src.snapshot("s1"), src.snapshot("s2"), true));

        provider().createSnapshots(List.of(dst.snapshot("local")));
        DatasetException e = catchThrowableOfType(DatasetException.class, () -> receive(dst, inc, ReceiveOptions.defaults()));
        assertThat(e.code()).isEqualTo(ErrorCode.TARGET_MODIFIED);
        assertThat(names(dst)).containsExactly("s1", "local");

        receive(dst, inc, ReceiveOptions.defaults().withRollback(true));
        assertThat(names(dst)).containsExactly("s1", "s2");
        assertThat(readFile(dst, "f")).isEqualTo(bytes("2"));
    }

    @Test
    void destroyDatasetRemovesItAndRespectsHolds() {
        DatasetName base = scratch();
        DatasetName a = base.child("a");
        provider().createDataset(a.child("b"));
        provider().createSnapshots(List.of(a.snapshot("s")));
        provider().hold(a.snapshot("s"), "keep");
        assertThat(catchThrowableOfType(DatasetException.class, () -> provider().destroyDataset(a, true)).code())
                .isEqualTo(ErrorCode.BUSY);
        assertThat(provider().exists(a)).isTrue();
        provider().release(a.snapshot("s"), "keep");
        provider().destroyDataset(a, true);
        assertThat(provider().exists(a)).isFalse();
        assertThat(provider().exists(a.child("b"))).isFalse();
    }

    @Test
    void sendOfAMissingSnapshotOrBaseOrFromANewerBaseIsRefusedAtOnce() throws IOException {
        DatasetName ds = scratch();
        writeFile(ds, "f", bytes("one"));
        provider().createSnapshots(List.of(ds.snapshot("s1")));
        writeFile(ds, "f", bytes("two"));
        provider().createSnapshots(List.of(ds.snapshot("s2")));
        assertThat(catchThrowableOfType(DatasetException.class, () -> provider().send(SendRequest.full(ds.snapshot("nope")))).code())
                .isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(catchThrowableOfType(DatasetException.class,
                () -> provider().send(SendRequest.incremental(ds.snapshot("nope"), ds.snapshot("s2"), false))).code())
                .isEqualTo(ErrorCode.NOT_FOUND);
        DatasetException backwards = catchThrowableOfType(DatasetException.class,
                () -> provider().send(SendRequest.incremental(ds.snapshot("s2"), ds.snapshot("s1"), false)));
        assertThat(backwards.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(backwards.getMessage()).contains("s2").contains("s1");
        // none of the refused sends left anything behind that keeps the snapshots busy
        assertThat(sendAll(SendRequest.incremental(ds.snapshot("s1"), ds.snapshot("s2"), false))).isNotEmpty();
        assertThat(provider().destroySnapshots(List.of(ds.snapshot("s1"), ds.snapshot("s2"))).destroyed()).hasSize(2);
    }

    @Test
    void sendClosedEarlyLeavesProviderUsable() throws IOException {
        DatasetName ds = scratch();
        writeFile(ds, "f", random(1 << 20, 8));
        provider().createSnapshots(List.of(ds.snapshot("s")));
        try (InputStream in = provider().send(SendRequest.full(ds.snapshot("s")))) {
            assertThat(in.read(new byte[100])).isPositive();
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        try (InputStream in = provider().send(SendRequest.full(ds.snapshot("s")))) {
            in.transferTo(all);
        }
        assertThat(all.size()).isGreaterThan(1 << 19);
        assertThat(provider().destroySnapshots(List.of(ds.snapshot("s"))).destroyed()).hasSize(1);
    }

    @Test
    void resumeTokenIsAbsentWhenNothingIsPending() {
        DatasetName ds = scratch();
        assertThat(provider().resumeToken(ds)).isEmpty();
        provider().abortResumableReceive(ds);
        assertThat(provider().resumeToken(ds)).isEmpty();
    }
}
