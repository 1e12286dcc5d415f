package io.snapferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.SnapshotName;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Pack files: torn tails, index rebuilds, garbage collection of packs, crash points of the commit protocol. */
class PackStoreTest {
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

    @AfterEach
    void close() {
        EmbeddedStore.crashHook = point -> { };
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

    /** Kills the store as kill -9 would (indexes not marked clean) and opens it again. */
    private void crashAndReopen() {
        store.abandonForTest();
        store = StoreTestSupport.open(dir);
    }

    private List<Path> packs() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("local/chunks/packs"))) {
            return s.filter(p -> p.toString().endsWith(".pack")).sorted().toList();
        }
    }

    /** Flips a byte {@code past} bytes after the start of the pack entry holding {@code hash}. */
    static void damageEntry(Path pool, byte[] hash, int past) throws IOException {
        try (Stream<Path> s = Files.list(pool.resolve("chunks/packs"))) {
            for (Path pack : s.toList()) {
                byte[] b = Files.readAllBytes(pack);
                for (int i = 4; i + 32 <= b.length; i++) {
                    if (java.util.Arrays.equals(b, i, i + 32, hash, 0, 32) && ByteBuffer.wrap(b, i - 4, 4).getInt() == ChunkStore.ENTRY_MAGIC) {
                        b[i - 4 + past] ^= 0x40;
                        Files.write(pack, b);
                        return;
                    }
                }
            }
        }
        throw new AssertionError("no pack entry holds " + HexFormat.of().formatHex(hash));
    }

    @Test
    void smallFilesShareAFewPacks() throws IOException {
        store().createDataset(ds);
        for (int i = 0; i < 300; i++) {
            StoreTestSupport.write(live(ds).resolve("d" + i % 10).resolve("f" + i), random(1500, i));
        }
        snap(ds, "s1");
        assertThat(store().chunkCount("local")).isEqualTo(300);
        assertThat(packs()).hasSize(1);
        snap(ds, "s2");
        StoreTestSupport.write(live(ds).resolve("new"), random(1500, 1000));
        snap(ds, "s3");
        assertThat(packs()).as("later batches of this process append to the same pack").hasSize(1);
        assertThat(store().verify("local").clean()).isTrue();
    }

    @Test
    void chunksLargerThanTheStagingBufferAreWrittenBetweenSmallOnes() throws IOException {
        store = StoreTestSupport.open(dir, StoreOptions.defaults().withIndexEntries(20_000).withGcGrace(java.time.Duration.ZERO));
        store().createDataset(ds);
        StoreTestSupport.write(live(ds).resolve("a-small"), random(3000, 1));
        StoreTestSupport.write(live(ds).resolve("b-big"), random(ChunkStore.STAGE + (3 << 20), 2)); // a 4 MiB chunk and the rest
        StoreTestSupport.write(live(ds).resolve("c-small"), random(3000, 3));
        snap(ds, "s1");
        assertThat(packs()).hasSize(1);
        byte[] full = send(SendRequest.full(ds.snapshot("s1")));
        Path out = dir.resolve("out");
        store().restore(ds.snapshot("s1"), "", out);
        assertThat(Files.readAllBytes(out.resolve("b-big"))).isEqualTo(random(ChunkStore.STAGE + (3 << 20), 2));
        assertThat(Files.readAllBytes(out.resolve("c-small"))).isEqualTo(random(3000, 3));
        assertThat(store().verify("local").clean()).isTrue();
        store.close();
        Durable.deleteTree(dir.resolve("local/index"));
        store = StoreTestSupport.open(dir, StoreOptions.defaults().withIndexEntries(20_000));
        assertThat(send(SendRequest.full(ds.snapshot("s1")))).isEqualTo(full);
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 30, 60})
    void aTornPackTailIsIgnoredAtOpenAndNeverAppendedTo(int tornBytes) throws IOException {
        store().createDataset(ds);
        for (int i = 0; i < 20; i++) {
            StoreTestSupport.write(live(ds).resolve("f" + i), random(1500, i));
        }
        snap(ds, "s1");
        byte[] full = send(SendRequest.full(ds.snapshot("s1")));
        Path pack = packs().get(0);
        long goodSize = Files.size(pack);
        // a crash in the middle of appending an entry: its first bytes made it to disk
        ByteBuffer torn = ByteBuffer.allocate(ChunkStore.ENTRY_HEADER + 1000);
        torn.putInt(ChunkStore.ENTRY_MAGIC).put(Manifest.sha256().digest(new byte[] {1})).put(ChunkStore.RAW).putInt(1000).putInt(1000);
        Files.write(pack, java.util.Arrays.copyOf(torn.array(), tornBytes), StandardOpenOption.APPEND);
        crashAndReopen();

        assertThat(store().chunkCount("local")).isEqualTo(20);
        assertThat(send(SendRequest.full(ds.snapshot("s1")))).isEqualTo(full);
        assertThat(store().verify("local").clean()).isTrue();
        StoreTestSupport.write(live(ds).resolve("later"), random(3000, 99));
        snap(ds, "s2");
        assertThat(Files.size(pack)).as("a pack from before the open takes no appends").isEqualTo(goodSize + tornBytes);
        assertThat(packs()).hasSize(2);
        Path out = dir.resolve("out");
        store().restore(ds.snapshot("s2"), "later", out);
        assertThat(Files.readAllBytes(out)).isEqualTo(random(3000, 99));
    }

    @Test
    void theIndexIsRebuiltFromPacksLeavingOutEntriesThatFailTheirChecksum() throws IOException {
        store().createDataset(ds);
        for (int i = 0; i < 30; i++) {
            StoreTestSupport.write(live(ds).resolve("f" + i), random(1500, i)); // below the smallest cut: one chunk each
        }
        snap(ds, "s1");
        byte[] full = send(SendRequest.full(ds.snapshot("s1")));
        store.close();
        Durable.deleteTree(dir.resolve("local/index"));
        store = StoreTestSupport.open(dir);
        assertThat(store().chunkCount("local")).isEqualTo(30);
        assertThat(send(SendRequest.full(ds.snapshot("s1")))).isEqualTo(full);

        byte[] damaged = Manifest.sha256().digest(random(1500, 7));
        store.close();
        damageEntry(dir.resolve("local"), damaged, ChunkStore.ENTRY_HEADER + 100);
        Durable.deleteTree(dir.resolve("local/index"));
        store = StoreTestSupport.open(dir);
        assertThat(store().chunkCount("local")).isEqualTo(29);
        VerifyReport r = store().verify("local");
        assertThat(r.missingChunks()).containsOnlyKeys(HexFormat.of().formatHex(damaged));
        assertThatThrownBy(() -> send(SendRequest.full(ds.snapshot("s1")))).hasMessageContaining("missing");
    }

    @Test
    void garbageCollectionRewritesMostlyDeadPacksAndDeletesEmptyOnes() throws IOException {
        store().createDataset(ds);
        StoreTestSupport.write(live(ds).resolve("big"), random(400_000, 1));
        StoreTestSupport.write(live(ds).resolve("small"), random(20_000, 2));
        snap(ds, "s1");
        Files.delete(live(ds).resolve("big"));
        snap(ds, "s2");
        List<Path> before = packs();
        assertThat(before).hasSize(1);
        store().destroySnapshots(List.of(ds.snapshot("s1")));
        long packBytes = Files.size(before.get(0));

        GcReport r = store().collectGarbage("local");
        assertThat(r.chunksDeleted()).isPositive();
        assertThat(r.bytesFreed()).isGreaterThan(packBytes / 2);
        assertThat(packs()).hasSize(1).doesNotContainAnyElementsOf(before);
        assertThat(store().chunkCount("local")).isEqualTo(r.chunksReferenced());
        Path out = dir.resolve("small");
        store().restore(ds.snapshot("s2"), "small", out);
        assertThat(Files.readAllBytes(out)).isEqualTo(random(20_000, 2));
        assertThat(store().verify("local").clean()).isTrue();

        store().destroySnapshots(List.of(ds.snapshot("s2")));
        store().collectGarbage("local");
        assertThat(packs()).isEmpty();
        assertThat(store().chunkCount("local")).isZero();
        // and an index rebuilt after all this finds the same
        store.close();
        Durable.deleteTree(dir.resolve("local/index"));
        store = StoreTestSupport.open(dir);
        assertThat(store().chunkCount("local")).isZero();
    }

    @Test
    void aSendInProgressSurvivesItsPackBeingRewritten() throws IOException {
        store().createDataset(ds);
        StoreTestSupport.write(live(ds).resolve("big"), random(400_000, 1));
        StoreTestSupport.write(live(ds).resolve("small"), random(20_000, 2));
        snap(ds, "s1");
        Files.delete(live(ds).resolve("big"));
        snap(ds, "s2");
        byte[] expected = send(SendRequest.full(ds.snapshot("s2")));
        store().destroySnapshots(List.of(ds.snapshot("s1")));
        List<Path> before = packs();
        try (InputStream in = store().send(SendRequest.full(ds.snapshot("s2")))) {
            byte[] first = in.readNBytes(10);
            store().collectGarbage("local");
            assertThat(packs()).doesNotContainAnyElementsOf(before);
            byte[] rest = in.readAllBytes();
            byte[] all = new byte[first.length + rest.length];
            System.arraycopy(first, 0, all, 0, first.length);
            System.arraycopy(rest, 0, all, first.length, rest.length);
            assertThat(all).isEqualTo(expected);
        }
    }

    @Test
    void garbageCollectionOfPacksRacingSnapshotsAndReceivesNeverLosesAChunk() throws Exception {
        store().createDataset(ds);
        DatasetName copy = DatasetName.of("local/copy");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> writer = pool.submit(() -> {
                for (int i = 0; i < 20; i++) {
                    for (int f = 0; f < 20; f++) {
                        StoreTestSupport.write(live(ds).resolve("f" + f), random(4000, i * 100 + f % (i % 3 + 1)));
                    }
                    snap(ds, "s" + i);
                    byte[] stream = i == 0 ? send(SendRequest.full(ds.snapshot("s0")))
                            : send(SendRequest.incremental(ds.snapshot("s" + (i - 1)), ds.snapshot("s" + i), false));
                    store().receive(copy, new ByteArrayInputStream(stream), ReceiveOptions.defaults());
                    if (i >= 2) {
                        store().destroySnapshots(List.of(ds.snapshot("s" + (i - 2)), copy.snapshot("s" + (i - 2))));
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
            writer.get(120, TimeUnit.SECONDS);
            collector.get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        store().collectGarbage("local");
        assertThat(store().verify("local").clean()).isTrue();
        for (DatasetName d : List.of(ds, copy)) {
            Path out = dir.resolve("r-" + d.leaf());
            store().restore(d.snapshot("s19"), "", out);
            for (int f = 0; f < 20; f++) {
                assertThat(Files.readAllBytes(out.resolve("f" + f))).isEqualTo(random(4000, 1900 + f % (19 % 3 + 1)));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"snapshot-chunks-durable", "manifest-renamed"})
    void aCrashAtAnyPointOfASnapshotsCommitLeavesNoneOrAllOfIt(String point) throws IOException {
        DatasetName other = DatasetName.of("local/other");
        store().createDataset(ds);
        store().createDataset(other);
        for (int i = 0; i < 10; i++) {
            StoreTestSupport.write(live(ds).resolve("f" + i), random(1500, i));
            StoreTestSupport.write(live(other).resolve("g" + i), random(1500, 100 + i));
        }
        EmbeddedStore.crashHook = p -> {
            if (p.equals(point)) {
                throw new IllegalStateException("crash at " + p);
            }
        };
        List<SnapshotName> both = List.of(ds.snapshot("s1"), other.snapshot("s1"));
        assertThatThrownBy(() -> store().createSnapshots(both)).hasMessageContaining("crash at " + point);
        EmbeddedStore.crashHook = p -> { };
        crashAndReopen();

        assertThat(store().listSnapshots(ds)).isEmpty();
        assertThat(store().listSnapshots(other)).isEmpty();
        assertThat(store().chunkCount("local")).as("the chunks made durable before the crash are found again").isEqualTo(20);
        assertThat(store().verify("local").clean()).isTrue();
        long stored = store().stats().chunksStored();
        store().createSnapshots(both);
        assertThat(store().stats().chunksStored()).isEqualTo(stored);
        Path out = dir.resolve("out");
        store().restore(other.snapshot("s1"), "g3", out);
        assertThat(Files.readAllBytes(out)).isEqualTo(random(1500, 103));
    }

    @Test
    void aCrashAfterAReceiveCommittedFinishesTheLiveTreeAtOpen() throws IOException {
        store().createDataset(ds);
        for (int i = 0; i < 10; i++) {
            StoreTestSupport.write(live(ds).resolve("f" + i), random(3000, i));
        }
        snap(ds, "s1");
        DatasetName copy = DatasetName.of("local/copy");
        store().receive(copy, new ByteArrayInputStream(send(SendRequest.full(ds.snapshot("s1")))), ReceiveOptions.defaults());
        StoreTestSupport.write(live(ds).resolve("f3"), random(3000, 33));
        Files.delete(live(ds).resolve("f4"));
        snap(ds, "s2");
        byte[] inc = send(SendRequest.incremental(ds.snapshot("s1"), ds.snapshot("s2"), false));
        EmbeddedStore.crashHook = p -> {
            if (p.equals("receive-committed")) {
                throw new IllegalStateException("crash at " + p);
            }
        };
        assertThatThrownBy(() -> store().receive(copy, new ByteArrayInputStream(inc), ReceiveOptions.defaults()))
                .hasMessageContaining("crash at");
        EmbeddedStore.crashHook = p -> { };
        crashAndReopen();

        assertThat(store().listSnapshots(copy)).hasSize(2);
        assertThat(Files.readAllBytes(live(copy).resolve("f3"))).isEqualTo(random(3000, 33));
        assertThat(live(copy).resolve("f4")).doesNotExist();
        assertThat(store().writtenSinceLastSnapshot(copy)).isZero();
        assertThat(store().verify("local").clean()).isTrue();
    }

    @Test
    void anIncrementalReceiveRewritesOnlyTheChangedFiles() throws IOException {
        store().createDataset(ds);
        for (int i = 0; i < 20; i++) {
            StoreTestSupport.write(live(ds).resolve("d").resolve("f" + i), random(3000, i));
        }
        Files.createSymbolicLink(live(ds).resolve("link"), Path.of("d/f1"));
        snap(ds, "s1");
        DatasetName copy = DatasetName.of("local/copy");
        store().receive(copy, new ByteArrayInputStream(send(SendRequest.full(ds.snapshot("s1")))), ReceiveOptions.defaults());
        long untouchedInode = TreeScanner.stat(live(copy).resolve("d/f7")).inode();
        long changedInode = TreeScanner.stat(live(copy).resolve("d/f3")).inode();

        StoreTestSupport.write(live(ds).resolve("d/f3"), random(3000, 33));
        Files.delete(live(ds).resolve("d/f4"));
        StoreTestSupport.write(live(ds).resolve("e/new"), random(500, 44));
        Files.setPosixFilePermissions(live(ds).resolve("d/f5"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.delete(live(ds).resolve("link"));
        Files.createSymbolicLink(live(ds).resolve("link"), Path.of("d/f2"));
        snap(ds, "s2");
        byte[] inc = send(SendRequest.incremental(ds.snapshot("s1"), ds.snapshot("s2"), false));
        store().receive(copy, new ByteArrayInputStream(inc), ReceiveOptions.defaults());

        assertThat(TreeScanner.stat(live(copy).resolve("d/f7")).inode()).isEqualTo(untouchedInode);
        assertThat(TreeScanner.stat(live(copy).resolve("d/f3")).inode()).isNotEqualTo(changedInode);
        assertThat(Files.readAllBytes(live(copy).resolve("d/f3"))).isEqualTo(random(3000, 33));
        assertThat(live(copy).resolve("d/f4")).doesNotExist();
        assertThat(Files.readAllBytes(live(copy).resolve("e/new"))).isEqualTo(random(500, 44));
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(live(copy).resolve("d/f5"))))
                .isEqualTo("rw-------");
        assertThat(Files.readSymbolicLink(live(copy).resolve("link"))).isEqualTo(Path.of("d/f2"));
        assertThat(store().writtenSinceLastSnapshot(copy)).isZero();
        // the live tree is exactly the snapshot: a snapshot of it sends the same tree
        snap(copy, "local");
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        store().restore(ds.snapshot("s2"), "", a);
        store().restore(copy.snapshot("local"), "", b);
        assertThat(tree(b)).isEqualTo(tree(a));
    }

    @Test
    void anIncrementalStreamCarriesTheManifestAsADelta() throws IOException {
        store().createDataset(ds);
        for (int i = 0; i < 2000; i++) {
            StoreTestSupport.write(live(ds).resolve("d" + i / 100).resolve("f" + i), random(1000, i));
        }
        snap(ds, "s1");
        StoreTestSupport.write(live(ds).resolve("d7/f700"), random(1000, -1));
        snap(ds, "s2");
        StoreTestSupport.write(live(ds).resolve("d9/f900"), random(1000, -2));
        snap(ds, "s3");
        byte[] inc = send(SendRequest.incremental(ds.snapshot("s1"), ds.snapshot("s3"), true));
        // two 1000-byte chunks, two small deltas; the manifests whole would be ~2000 x 100 bytes each
        assertThat(inc.length).isLessThan(6000);
        DatasetName copy = DatasetName.of("local/copy");
        store().receive(copy, new ByteArrayInputStream(send(SendRequest.full(ds.snapshot("s1")))), ReceiveOptions.defaults());
        store().receive(copy, new ByteArrayInputStream(inc), ReceiveOptions.defaults());
        assertThat(store().listSnapshots(copy)).hasSize(3);
        assertThat(Files.readAllBytes(live(copy).resolve("d9/f900"))).isEqualTo(random(1000, -2));
        assertThat(Files.readAllBytes(live(copy).resolve("d7/f700"))).isEqualTo(random(1000, -1));
        // a stream whose base the target lacks is refused
        DatasetName stranger = DatasetName.of("local/stranger");
        store().receive(stranger, new ByteArrayInputStream(send(SendRequest.full(ds.snapshot("s1")))), ReceiveOptions.defaults());
        byte[] tampered = send(SendRequest.incremental(ds.snapshot("s2"), ds.snapshot("s3"), false));
        assertThatThrownBy(() -> store().receive(stranger, new ByteArrayInputStream(tampered), ReceiveOptions.defaults()))
                .hasMessageContaining("base");
    }

    @Test
    void aStoreFromBeforePacksIsStillReadCollectedAndVerified() throws IOException {
        store().createDataset(ds);
        for (int i = 0; i < 10; i++) {
            StoreTestSupport.write(live(ds).resolve("f" + i), random(1500, i));
        }
        snap(ds, "s1");
        Files.delete(live(ds).resolve("f0"));
        snap(ds, "s2");
        byte[] full = send(SendRequest.full(ds.snapshot("s2")));
        store.close();
        store = null;
        // rewrite the store as the format before packs had it: one "SFCK" chunk file per chunk, index of sizes
        Path chunks = dir.resolve("local/chunks");
        for (Path pack : packs()) {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(pack));
            b.position(ChunkStore.PACK_HEADER);
            while (b.remaining() >= ChunkStore.ENTRY_HEADER + ChunkStore.ENTRY_TRAILER) {
                b.getInt();
                byte[] hash = new byte[32];
                b.get(hash);
                byte codec = b.get();
                int raw = b.getInt();
                byte[] payload = new byte[b.getInt()];
                b.get(payload);
                b.getInt();
                String hex = HexFormat.of().formatHex(hash);
                Path f = chunks.resolve(hex.substring(0, 2)).resolve(hex);
                Files.createDirectories(f.getParent());
                Files.write(f, ByteBuffer.allocate(ChunkStore.HEADER + payload.length).putInt(ChunkStore.MAGIC).put(codec)
                        .putInt(raw).put(payload).array());
            }
            Files.delete(pack);
        }
        Durable.deleteTree(dir.resolve("local/index"));
        Files.createDirectories(dir.resolve("local/index"));
        Files.write(dir.resolve("local/index/chunks.cmap"), new byte[] {1});
        Files.write(dir.resolve("local/index/clean"), new byte[0]);

        assertThat(send(SendRequest.full(ds.snapshot("s2")))).isEqualTo(full);
        assertThat(store().chunkCount("local")).isEqualTo(10);
        assertThat(store().verify("local").clean()).isTrue();
        store().destroySnapshots(List.of(ds.snapshot("s1")));
        GcReport r = store().collectGarbage("local");
        assertThat(r.chunksDeleted()).isEqualTo(1);
        assertThat(r.chunksReferenced()).isEqualTo(9);
        StoreTestSupport.write(live(ds).resolve("new"), random(1500, 50));
        snap(ds, "s3");
        assertThat(packs()).hasSize(1);
        Path out = dir.resolve("out");
        store().restore(ds.snapshot("s3"), "", out);
        assertThat(Files.readAllBytes(out.resolve("f5"))).isEqualTo(random(1500, 5));
        assertThat(Files.readAllBytes(out.resolve("new"))).isEqualTo(random(1500, 50));
    }

    private static java.util.Map<String, String> tree(Path root) throws IOException {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = root.relativize(p).toString();
                TreeScanner.Stat st = TreeScanner.stat(p);
                String what = Files.isSymbolicLink(p) ? "link " + Files.readSymbolicLink(p)
                        : Files.isRegularFile(p) ? HexFormat.of().formatHex(Manifest.sha256().digest(Files.readAllBytes(p))) : "dir";
                out.put(rel, what + " " + Integer.toOctalString(st.mode() & 07777) + (Files.isSymbolicLink(p) ? "" : " " + st.mtime()));
            }
        }
        return out;
    }
}
