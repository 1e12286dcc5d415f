package io.snapferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.testing.Poll;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoreTest {
    @TempDir
    Path dir;
    private EmbeddedStore store;
    private final DatasetName ds = DatasetName.of("local/data");

    private EmbeddedStore store() {
        if (store == null) {
            store = StoreTestSupport.open(dir);
        }
        return store;
    }

    private void reopen() {
        store.close();
        store = StoreTestSupport.open(dir);
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    private static byte[] random(int n, long seed) {
        return StoreTestSupport.random(n, seed);
    }

    private Path live(DatasetName d) {
        return store().mountpoint(d);
    }

    private void snap(DatasetName d, String name) {
        store().createSnapshots(List.of(d.snapshot(name)));
    }

    private byte[] send(SendRequest r) throws IOException {
        return StoreTestSupport.send(store(), r);
    }

    /** Waits until the file system's clock has moved past every ctime under {@code root}. */
    private void settle(Path root) throws IOException {
        long newest;
        try (var s = Files.walk(root)) {
            newest = s.mapToLong(p -> {
                try {
                    return TreeScanner.stat(p).ctime();
                } catch (IOException e) {
                    return Long.MAX_VALUE;
                }
            }).max().orElse(0);
        }
        Path probe = dir.resolve("probe");
        Poll.until(Duration.ofSeconds(5), "the file system clock to pass the tree's ctimes", () -> {
            try {
                Files.write(probe, new byte[1]);
                return TreeScanner.stat(probe).ctime() > newest;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** Everything observable about a tree: type, mode, size, mtime, contents, link target, xattrs, link identity. */
    private static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Map<Long, String> inodes = new TreeMap<>();
        try (var s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.sorted()::iterator) {
                String rel = root.relativize(p).toString();
                TreeScanner.Stat st = TreeScanner.stat(p);
                StringBuilder b = new StringBuilder();
                b.append(Integer.toOctalString(st.mode()));
                if (Files.isSymbolicLink(p)) {
                    b.append(" -> ").append(Files.readSymbolicLink(p));
                } else {
                    b.append(" mtime=").append(st.mtime());
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        b.append(" sha=").append(java.util.HexFormat.of().formatHex(Manifest.sha256().digest(Files.readAllBytes(p))));
                        String first = inodes.putIfAbsent(st.inode(), rel);
                        if (first != null) {
                            b.append(" linkof=").append(first);
                        }
                    }
                    b.append(" x=").append(TreeScanner.xattrs(p).keySet());
                }
                out.put(rel, b.toString());
            }
        }
        return out;
    }

    @Test
    void identicalDataIsStoredOnceAcrossSnapshotsAndDatasets() throws IOException {
        store().createDataset(ds);
        DatasetName other = DatasetName.of("local/other");
        store().createDataset(other);
        byte[] big = random(600_000, 1);
        StoreTestSupport.write(live(ds).resolve("a.bin"), big);
        snap(ds, "s1");
        long chunks = store().chunkCount("local");
        assertThat(chunks).isGreaterThan(10);

        StoreTestSupport.write(live(other).resolve("copy/of/a.bin"), big);
        StoreTestSupport.write(live(ds).resolve("renamed.bin"), big);
        Files.delete(live(ds).resolve("a.bin"));
        snap(ds, "s2");
        snap(other, "s1");
        assertThat(store().chunkCount("local")).isEqualTo(chunks);
        assertThat(store().stats().chunksDeduplicated()).isGreaterThanOrEqualTo(2 * chunks);
    }

    @Test
    void unchangedTreeIsSnapshottedWithoutReadingContents() throws IOException {
        store().createDataset(ds);
        for (int i = 0; i < 300; i++) {
            StoreTestSupport.write(live(ds).resolve("d" + (i % 7) + "/f" + i), random(1000 + i * 37, i));
        }
        settle(live(ds));
        long before = store().stats().contentBytesRead();
        snap(ds, "s1");
        long first = store().stats().contentBytesRead() - before;
        assertThat(first).isGreaterThan(300_000);

        snap(ds, "s2");
        assertThat(store().stats().contentBytesRead() - before - first).isZero();
        assertThat(store().writtenSinceLastSnapshot(ds)).isZero();

        byte[] changed = random(5000, 99);
        StoreTestSupport.write(live(ds).resolve("d3/f3"), changed);
        assertThat(store().writtenSinceLastSnapshot(ds)).isEqualTo(5000);
        long mark = store().stats().contentBytesRead();
        snap(ds, "s3");
        assertThat(store().stats().contentBytesRead() - mark).isEqualTo(5000);

        // after a restart the persisted cache still spares the reads
        reopen();
        settle(live(ds));
        snap(ds, "s4");
        long mark2 = store().stats().contentBytesRead();
        snap(ds, "s5");
        assertThat(store().stats().contentBytesRead() - mark2).isZero();
    }

    @Test
    void metadataSurvivesRollbackAndRestore() throws IOException {
        store().createDataset(ds);
        Path t = live(ds);
        StoreTestSupport.write(t.resolve("dir/plain.txt"), "hello".getBytes());
        Files.setAttribute(t.resolve("dir/plain.txt"), "unix:mode", 0640);
        StoreTestSupport.write(t.resolve("exec.sh"), "#!/bin/sh\n".getBytes());
        Files.setAttribute(t.resolve("exec.sh"), "unix:mode", 04755);
        Files.createSymbolicLink(t.resolve("link"), Path.of("dir/plain.txt"));
        Files.createSymbolicLink(t.resolve("dangling"), Path.of("/nowhere/at/all"));
        StoreTestSupport.write(t.resolve("hard1"), random(20_000, 5));
        Files.createLink(t.resolve("dir/hard2"), t.resolve("hard1"));
        Files.createDirectories(t.resolve("empty"));
        Files.setAttribute(t.resolve("empty"), "unix:mode", 0700);
        // sparse: 1 MiB of zeros between data
        try (var raf = new java.io.RandomAccessFile(t.resolve("sparse").toFile(), "rw")) {
            raf.write(random(10_000, 6));
            raf.seek(1 << 20);
            raf.write(random(10_000, 7));
        }
        UserDefinedFileAttributeView xv = Files.getFileAttributeView(t.resolve("dir/plain.txt"), UserDefinedFileAttributeView.class);
        boolean xattrs;
        try {
            xv.write("snapferry.test", ByteBuffer.wrap("v1".getBytes()));
            xattrs = true;
        } catch (IOException | UnsupportedOperationException e) {
            xattrs = false;
        }
        Files.setLastModifiedTime(t.resolve("dir/plain.txt"), FileTime.from(1_500_000_000_123_456_789L, TimeUnit.NANOSECONDS));
        Files.setLastModifiedTime(t.resolve("dir"), FileTime.from(1_400_000_000_987_654_321L, TimeUnit.NANOSECONDS));
        Map<String, String> original = describe(t);
        if (xattrs) {
            assertThat(original.get("dir/plain.txt")).contains("snapferry.test");
        }
        long storedBefore = store().stats().chunksStored();
        snap(ds, "s1");
        // the 1 MiB zero run is a hole, not stored: far fewer chunks than 1 MiB / 64 KiB
        assertThat(store().stats().chunksStored() - storedBefore).isLessThan(12);

        // wreck the live tree
        Files.delete(t.resolve("link"));
        Files.write(t.resolve("hard1"), "changed".getBytes());
        StoreTestSupport.write(t.resolve("new/file"), "new".getBytes());
        Files.setAttribute(t.resolve("exec.sh"), "unix:mode", 0600);
        store().rollback(ds.snapshot("s1"), false);
        assertThat(describe(live(ds))).isEqualTo(original);
        assertThat(Files.readAllBytes(live(ds).resolve("sparse"))).hasSize((1 << 20) + 10_000);

        Path restored = dir.resolve("restored");
        store().restore(ds.snapshot("s1"), "/", restored);
        assertThat(describe(restored)).isEqualTo(original);

        Path one = dir.resolve("one.txt");
        store().restore(ds.snapshot("s1"), "dir/plain.txt", one);
        assertThat(Files.readString(one)).isEqualTo("hello");
        Path hardAlone = dir.resolve("hard2");
        store().restore(ds.snapshot("s1"), "dir/hard2", hardAlone);
        assertThat(Files.readAllBytes(hardAlone)).isEqualTo(random(20_000, 5));
        assertThat(catchThrowableOfType(DatasetException.class,
                () -> store().restore(ds.snapshot("s1"), "dir/plain.txt", one)).code()).isEqualTo(ErrorCode.ALREADY_EXISTS);
        assertThat(catchThrowableOfType(DatasetException.class,
                () -> store().restore(ds.snapshot("s1"), "no/such", dir.resolve("x"))).code()).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void browseListsADirectory() throws IOException {
        store().createDataset(ds);
        StoreTestSupport.write(live(ds).resolve("docs/a.txt"), "aaa".getBytes());
        StoreTestSupport.write(live(ds).resolve("docs/sub/b.txt"), "b".getBytes());
        Files.createSymbolicLink(live(ds).resolve("docs/l"), Path.of("a.txt"));
        snap(ds, "s");
        List<BrowseEntry> root = store().browse(ds.snapshot("s"), "");
        assertThat(root).extracting(BrowseEntry::name).containsExactly("docs");
        List<BrowseEntry> docs = store().browse(ds.snapshot("s"), "/docs/");
        assertThat(docs).extracting(BrowseEntry::name).containsExactly("a.txt", "l", "sub");
        assertThat(docs).extracting(BrowseEntry::type).containsExactly("file", "symlink", "dir");
        assertThat(docs.get(0).size()).isEqualTo(3);
        assertThat(docs.get(1).linkTarget()).isEqualTo("a.txt");
        assertThat(catchThrowableOfType(DatasetException.class, () -> store().browse(ds.snapshot("s"), "docs/a.txt")).code())
                .isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(catchThrowableOfType(DatasetException.class, () -> store().browse(ds.snapshot("s"), "../etc")).code())
                .isEqualTo(ErrorCode.INVALID_ARGUMENT);
    }

    @Test
    void deletedIndexesAreRebuiltWithTheSameResults() throws IOException {
        store().createDataset(ds);
        for (int i = 0; i < 50; i++) {
            StoreTestSupport.write(live(ds).resolve("f" + i), random(20_000, i));
        }
        settle(live(ds));
        snap(ds, "s1");
        byte[] full = send(SendRequest.full(ds.snapshot("s1")));
        long chunks = store().chunkCount("local");
        store.close();
        Path index = dir.resolve("local/index");
        assertThat(index.resolve("chunk-locations.cmap")).exists();
        Durable.deleteTree(index);
        store = StoreTestSupport.open(dir);

        assertThat(send(SendRequest.full(ds.snapshot("s1")))).isEqualTo(full);
        long read = store().stats().contentBytesRead();
        long stored = store().stats().chunksStored();
        snap(ds, "s2");
        assertThat(store().stats().contentBytesRead()).isEqualTo(read);
        assertThat(store().stats().chunksStored()).isEqualTo(stored);
        assertThat(store().chunkCount("local")).isEqualTo(chunks);
        assertThat(store().verify("local").clean()).isTrue();
    }

    @Test
    void aReceivedTreeStaysUnmodifiedAcrossAnIndexRebuild() throws IOException {
        store().createDataset(ds);
        StoreTestSupport.write(live(ds).resolve("f"), random(50_000, 1));
        snap(ds, "s1");
        DatasetName copy = DatasetName.of("local/copy");
        store().receive(copy, new ByteArrayInputStream(send(SendRequest.full(ds.snapshot("s1")))), ReceiveOptions.defaults());
        StoreTestSupport.write(live(ds).resolve("g"), random(10_000, 2));
        snap(ds, "s2");
        byte[] inc = send(SendRequest.incremental(ds.snapshot("s1"), ds.snapshot("s2"), false));
        store.close();
        Durable.deleteTree(dir.resolve("local/index"));
        store = StoreTestSupport.open(dir);
        assertThat(store().writtenSinceLastSnapshot(copy)).isZero();
        store().receive(copy, new ByteArrayInputStream(inc), ReceiveOptions.defaults());
        assertThat(Files.readAllBytes(live(copy).resolve("g"))).isEqualTo(random(10_000, 2));
        // a file rewritten with the same size and mtime is still read: its ctime moved
        StoreTestSupport.write(live(copy).resolve("f"), random(50_000, 3));
        Files.setLastModifiedTime(live(copy).resolve("f"), Files.getLastModifiedTime(live(ds).resolve("f")));
        snap(copy, "local");
        Path out = dir.resolve("out");
        store().restore(copy.snapshot("local"), "f", out);
        assertThat(Files.readAllBytes(out)).isEqualTo(random(50_000, 3));
    }

    @Test
    void garbageCollectionFreesOnlyUnreferencedChunks() throws IOException {
        store().createDataset(ds);
        StoreTestSupport.write(live(ds).resolve("old"), random(300_000, 1));
        StoreTestSupport.write(live(ds).resolve("kept"), random(300_000, 2));
        snap(ds, "s1");
        long all = store().chunkCount("local");
        Files.delete(live(ds).resolve("old"));
        snap(ds, "s2");
        GcReport none = store().collectGarbage("local");
        assertThat(none.chunksDeleted()).isZero();
        store().hold(ds.snapshot("s1"), "keep");
        assertThat(store().destroySnapshots(List.of(ds.snapshot("s1"))).skipped()).containsKey(ds.snapshot("s1"));
        store().release(ds.snapshot("s1"), "keep");
        store().destroySnapshots(List.of(ds.snapshot("s1")));
        GcReport r = store().collectGarbage("local");
        assertThat(r.chunksDeleted()).isPositive();
        assertThat(r.chunksReferenced() + r.chunksDeleted()).isEqualTo(all);
        assertThat(store().verify("local").clean()).isTrue();
        Path out = dir.resolve("kept");
        store().restore(ds.snapshot("s2"), "kept", out);
        assertThat(Files.readAllBytes(out)).isEqualTo(random(300_000, 2));
    }

    @Test
    void garbageCollectionRacingSnapshotsNeverLosesAChunk() throws Exception {
        store().createDataset(ds);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> writer = pool.submit(() -> {
                for (int i = 0; i < 25; i++) {
                    StoreTestSupport.write(live(ds).resolve("f" + (i % 5)), random(40_000, i));
                    snap(ds, "s" + i);
                    if (i >= 3) {
                        store().destroySnapshots(List.of(ds.snapshot("s" + (i - 3))));
                    }
                }
                return null;
            });
            Future<?> collector = pool.submit(() -> {
                while (!writer.isDone()) {
                    store().collectGarbage("local");
                }
                return null;
            });
            writer.get(60, TimeUnit.SECONDS);
            collector.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        store().collectGarbage("local");
        assertThat(store().verify("local").clean()).isTrue();
        for (SnapshotName s : List.of(ds.snapshot("s22"), ds.snapshot("s23"), ds.snapshot("s24"))) {
            Path out = dir.resolve("r-" + s.name());
            store().restore(s, "", out);
            assertThat(Files.list(out).count()).isEqualTo(5);
        }
    }

    @Test
    void verifyNamesTheSnapshotsOfADamagedChunk() throws IOException {
        store().createDataset(ds);
        byte[] shared = random(2000, 1); // below the smallest cut point: one chunk
        StoreTestSupport.write(live(ds).resolve("shared"), shared);
        snap(ds, "s1");
        StoreTestSupport.write(live(ds).resolve("other"), random(2000, 2));
        snap(ds, "s2");
        assertThat(store().verify("local").clean()).isTrue();

        byte[] hash = Manifest.sha256().digest(shared);
        long chunks = store().chunkCount("local");
        PackStoreTest.damageEntry(dir.resolve("local"), hash, 60);

        VerifyReport r = store().verify("local");
        assertThat(r.clean()).isFalse();
        assertThat(r.damagedChunks()).containsOnlyKeys(java.util.HexFormat.of().formatHex(hash));
        assertThat(r.damagedChunks().get(java.util.HexFormat.of().formatHex(hash))).containsExactly(ds.snapshot("s1"), ds.snapshot("s2"));
        // the damaged entry left the index, so the same data stored again makes a good copy
        assertThat(store().chunkCount("local")).isEqualTo(chunks - 1);
        assertThatThrownBy(() -> store().restore(ds.snapshot("s1"), "shared", dir.resolve("x")))
                .isInstanceOf(DatasetException.class);
    }

    @Test
    void incrementalStreamCarriesOnlyNewChunks() throws IOException {
        store().createDataset(ds);
        StoreTestSupport.write(live(ds).resolve("big"), random(2_000_000, 1));
        snap(ds, "s1");
        byte[] data = Files.readAllBytes(live(ds).resolve("big"));
        System.arraycopy(random(1000, 2), 0, data, 1_000_000, 1000);
        Files.write(live(ds).resolve("big"), data);
        snap(ds, "s2");
        byte[] full = send(SendRequest.full(ds.snapshot("s2")));
        byte[] inc = send(SendRequest.incremental(ds.snapshot("s1"), ds.snapshot("s2"), false));
        assertThat(full.length).isGreaterThan(2_000_000);
        assertThat(inc.length).isLessThan(200_000);

        DatasetName copy = DatasetName.of("local/copy");
        store().receive(copy, new ByteArrayInputStream(send(SendRequest.full(ds.snapshot("s1")))), ReceiveOptions.defaults());
        store().receive(copy, new ByteArrayInputStream(inc), ReceiveOptions.defaults());
        assertThat(Files.readAllBytes(live(copy).resolve("big"))).isEqualTo(data);
    }

    /** A stream that fails after {@code limit} bytes, like a dropped connection. */
    private static final class Breaking extends InputStream {
        private final InputStream in;
        private long left;

        Breaking(byte[] data, long limit) {
            this.in = new ByteArrayInputStream(data);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                throw new IOException("connection reset");
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }

    @Test
    void interruptedReceiveShowsNothingAndItsRerunDoesNotStoreChunksAgain() throws IOException {
        EmbeddedStore source = new EmbeddedStore(Map.of("src", dir.resolve("src")), StoreTestSupport.smallChunks(), java.time.Clock.systemUTC());
        byte[] stream;
        try (source) {
            DatasetName s = DatasetName.of("src/data");
            source.createDataset(s);
            StoreTestSupport.write(source.mountpoint(s).resolve("big"), random(1_500_000, 1));
            source.createSnapshots(List.of(s.snapshot("s1")));
            try (InputStream in = source.send(SendRequest.full(s.snapshot("s1")))) {
                stream = in.readAllBytes();
            }
        }
        DatasetName target = DatasetName.of("local/backup");
        assertThatThrownBy(() -> store().receive(target, new Breaking(stream, stream.length / 2), ReceiveOptions.defaults()))
                .isInstanceOf(IOException.class);
        assertThat(store().exists(target)).isFalse();
        long kept = store().chunkCount("local");
        assertThat(kept).isPositive();
        // the grace period keeps the partial chunks from garbage collection
        reopenWithGrace(Duration.ofHours(1));
        assertThat(store().collectGarbage("local").chunksInGrace()).isEqualTo(kept);

        StoreReceiveResult r = store().receiveDetailed(target, new ByteArrayInputStream(stream), ReceiveOptions.defaults());
        assertThat(r.chunksAlreadyPresent()).isEqualTo(kept);
        assertThat(r.chunksStored()).isPositive();
        assertThat(store().listSnapshots(target)).hasSize(1);
        assertThat(Files.readAllBytes(live(target).resolve("big"))).isEqualTo(random(1_500_000, 1));
    }

    private void reopenWithGrace(Duration grace) {
        store.close();
        store = StoreTestSupport.open(dir, StoreTestSupport.smallChunks().withGcGrace(grace));
    }

    @Test
    void corruptChunkInAStreamIsRefusedBeforeAnythingIsVisible() throws IOException {
        store().createDataset(ds);
        StoreTestSupport.write(live(ds).resolve("f"), random(100_000, 1));
        snap(ds, "s1");
        byte[] stream = send(SendRequest.full(ds.snapshot("s1")));
        byte[] bad = stream.clone();
        bad[RecordStream.HEADER + 5 + 32 + 1 + 4 + 10] ^= 1; // inside the first chunk's payload
        DatasetException e = catchThrowableOfType(DatasetException.class,
                () -> store().receive(DatasetName.of("local/copy"), new ByteArrayInputStream(bad), ReceiveOptions.defaults()));
        assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_STREAM);
        assertThat(store().exists(DatasetName.of("local/copy"))).isFalse();
    }

    @Test
    void datasetsSnapshotInParallel() throws Exception {
        List<DatasetName> names = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            DatasetName d = DatasetName.of("local/p" + i);
            store().createDataset(d);
            StoreTestSupport.write(live(d).resolve("f"), random(200_000, i));
            names.add(d);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (DatasetName d : names) {
                fs.add(pool.submit(() -> {
                    for (int k = 0; k < 5; k++) {
                        snap(d, "k" + k);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (DatasetName d : names) {
            assertThat(store().listSnapshots(d)).hasSize(5);
        }
        assertThat(store().verify("local").clean()).isTrue();
    }

    @Test
    void aSecondStoreOnTheSamePoolIsBusy() {
        store();
        DatasetException e = catchThrowableOfType(DatasetException.class, () -> StoreTestSupport.open(dir));
        assertThat(e.code()).isEqualTo(ErrorCode.BUSY);
    }

    @Test
    void holdsArePersisted() {
        store().createDataset(ds);
        snap(ds, "s1");
        store().hold(ds.snapshot("s1"), "replication");
        reopen();
        assertThat(store().holds(ds.snapshot("s1"))).containsExactly("replication");
        assertThat(store().destroySnapshots(List.of(ds.snapshot("s1"))).skipped().get(ds.snapshot("s1"))).contains("held");
    }

    @Test
    void aParentSnapshotExcludesChildDatasets() throws IOException {
        DatasetName child = ds.child("inner");
        store().createDataset(child);
        StoreTestSupport.write(live(ds).resolve("parent.txt"), "p".getBytes());
        StoreTestSupport.write(live(child).resolve("child.txt"), "c".getBytes());
        assertThat(live(child).startsWith(live(ds))).isFalse();
        store().createSnapshots(List.of(ds.snapshot("s"), child.snapshot("s")));
        assertThat(store().browse(ds.snapshot("s"), "")).extracting(BrowseEntry::name).containsExactly("parent.txt");
        assertThat(store().browse(child.snapshot("s"), "")).extracting(BrowseEntry::name).containsExactly("child.txt");
        assertThat(store().dataset(child).mountpoint()).hasValue(live(child).toString());
    }

    @Test
    void anOpenRollsBackASnapshotBatchThatCrashedMidCommit() throws IOException {
        DatasetName other = DatasetName.of("local/other");
        store().createDataset(ds);
        store().createDataset(other);
        store().createSnapshots(List.of(ds.snapshot("keep"), other.snapshot("keep")));
        store().createSnapshots(List.of(ds.snapshot("torn"), other.snapshot("torn")));
        long txg = store().listSnapshots(ds).get(1).createTxg();
        store.close();
        // as if the process died after renaming one manifest and before removing the journal
        Path manifest = dir.resolve("local/datasets/data/@meta/snapshots/torn.manifest");
        Files.delete(dir.resolve("local/datasets/other/@meta/snapshots/torn.manifest"));
        Files.writeString(dir.resolve("local/journal-" + txg), dir.resolve("local").relativize(manifest) + "\n"
                + "datasets/other/@meta/snapshots/torn.manifest\n");
        store = StoreTestSupport.open(dir);
        assertThat(store().listSnapshots(ds)).extracting(s -> s.shortName()).containsExactly("keep");
        assertThat(store().listSnapshots(other)).extracting(s -> s.shortName()).containsExactly("keep");
        assertThat(dir.resolve("local/journal-" + txg)).doesNotExist();
    }

    @Test
    void anOpenFinishesAnInterruptedCheckout() throws IOException {
        store().createDataset(ds);
        StoreTestSupport.write(live(ds).resolve("f"), "v1".getBytes());
        snap(ds, "s1");
        StoreTestSupport.write(live(ds).resolve("f"), "v2".getBytes());
        snap(ds, "s2");
        StoreTestSupport.write(live(ds).resolve("g"), "stray".getBytes());
        store.close();
        // as if a rollback to s1 had written its marker and then the process died
        Files.writeString(dir.resolve("local/datasets/data/@meta/checkout"), "s1");
        Files.createDirectories(dir.resolve("local/datasets/data/@tree.new-0123"));
        store = StoreTestSupport.open(dir);
        assertThat(Files.readString(live(ds).resolve("f"))).isEqualTo("v1");
        assertThat(live(ds).resolve("g")).doesNotExist();
        assertThat(store().listSnapshots(ds)).extracting(s -> s.shortName()).containsExactly("s1");
        assertThat(dir.resolve("local/datasets/data/@meta/checkout")).doesNotExist();
        assertThat(dir.resolve("local/datasets/data/@tree.new-0123")).doesNotExist();
        assertThat(store().writtenSinceLastSnapshot(ds)).isZero();
    }

    @Test
    void readOnlyDirectoriesRollBackAndAreRemoved() throws IOException {
        store().createDataset(ds);
        StoreTestSupport.write(live(ds).resolve("ro/inside"), "x".getBytes());
        Files.setAttribute(live(ds).resolve("ro"), "unix:mode", 0555);
        snap(ds, "s1");
        StoreTestSupport.write(live(ds).resolve("other"), "y".getBytes());
        store().rollback(ds.snapshot("s1"), false);
        assertThat(TreeScanner.stat(live(ds).resolve("ro")).mode() & 07777).isEqualTo(0555);
        assertThat(live(ds).resolve("other")).doesNotExist();
        store().destroyDataset(ds, false);
        assertThat(store().exists(ds)).isFalse();
        try (var trash = Files.list(dir.resolve("local/trash"))) {
            assertThat(trash.count()).isZero();
        }
    }

    @Test
    void theDaemonsStoreLivesUnderItsDataDirectory() {
        try (EmbeddedStore daemon = EmbeddedStore.forDataDirectory(dir.resolve("data"))) {
            assertThat(daemon.pools()).containsExactly("local");
            assertThat(daemon.mountpoint(DatasetName.of("local"))).startsWith(dir.resolve("data/pools/local"));
        }
    }
}
