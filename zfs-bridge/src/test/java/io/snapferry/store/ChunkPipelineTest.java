package io.snapferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.SendRequest;
import io.snapferry.testing.Poll;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The snapshot pipeline (hashing and compressing workers, one ordered writer) and the send stream's read-ahead. */
class ChunkPipelineTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final DatasetName ds = DatasetName.of("local/data");

    @AfterEach
    void tearDown() throws Exception {
        EmbeddedStore.crashHook = point -> { };
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T opened(T c) {
        open.add(c);
        return c;
    }

    private ChunkStore chunkStore() throws IOException {
        Indexes idx = opened(new Indexes(dir.resolve("index"), 10_000, 1_000));
        return opened(new ChunkStore(dir.resolve("chunks"), idx, StoreOptions.Compression.ZSTD));
    }

    /** Every pack entry on disk: hash (hex) to its codecs, one per copy. */
    private static Map<String, List<Byte>> packEntries(Path packs) throws IOException {
        Map<String, List<Byte>> out = new HashMap<>();
        try (Stream<Path> s = Files.list(packs)) {
            for (Path pack : s.filter(p -> p.toString().endsWith(".pack")).toList()) {
                ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(pack));
                assertThat(b.getInt()).isEqualTo(ChunkStore.PACK_MAGIC);
                b.getInt();
                while (b.remaining() >= ChunkStore.ENTRY_HEADER + ChunkStore.ENTRY_TRAILER) {
                    assertThat(b.getInt()).isEqualTo(ChunkStore.ENTRY_MAGIC);
                    byte[] hash = new byte[32];
                    b.get(hash);
                    byte codec = b.get();
                    b.getInt();
                    int stored = b.getInt();
                    b.position(b.position() + stored + ChunkStore.ENTRY_TRAILER);
                    out.computeIfAbsent(HexFormat.of().formatHex(hash), k -> new ArrayList<>()).add(codec);
                }
            }
        }
        return out;
    }

    private static List<String> pipelineThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("snapferry-store-hash") || n.equals("snapferry-store-writer")
                        || n.equals("snapferry-send-readahead"))
                .toList();
    }

    private static byte[] sha256(byte[] b) {
        return Manifest.sha256().digest(b);
    }

    @Test
    void identicalNewChunksSeenBySeveralWorkersAtOnceAreStoredOnce() throws IOException {
        ChunkStore store = chunkStore();
        byte[] same = StoreTestSupport.random(64 * 1024, 7);
        List<ChunkSink.Slot> slots = new ArrayList<>();
        List<byte[]> expected = new ArrayList<>();
        try (ChunkStore.Batch batch = store.batch()) {
            try (ChunkPipeline pipeline = new ChunkPipeline(store, batch, 4, 64 * 1024, 1 << 20)) {
                for (int i = 0; i < 250; i++) {
                    byte[] data = i % 5 == 4 ? StoreTestSupport.random(10_000 + i, i) : same;
                    slots.add(pipeline.submit(data, 0, data.length));
                    expected.add(sha256(data));
                }
                pipeline.drain();
                assertThat(pipeline.chunksNew()).isEqualTo(51);
                assertThat(pipeline.chunksPresent()).isEqualTo(199);
            }
            batch.flush();
        }
        for (int i = 0; i < slots.size(); i++) {
            assertThat(slots.get(i).ref().hash()).isEqualTo(expected.get(i));
        }
        Map<String, List<Byte>> entries = packEntries(dir.resolve("chunks/packs"));
        assertThat(entries).hasSize(51);
        assertThat(entries.values()).allSatisfy(copies -> assertThat(copies).hasSize(1));
        assertThat(store.read(sha256(same))).isEqualTo(same);
    }

    @Test
    void incompressibleChunksAreStoredRawCompressibleOnesCompressedAndZerosNotAtAll() throws IOException {
        ChunkStore store = chunkStore();
        byte[] random = StoreTestSupport.random(200_000, 1);
        byte[] text = "the same sentence again and again. ".repeat(6000).getBytes(StandardCharsets.US_ASCII);
        byte[] zeros = new byte[100_000];
        ChunkSink.Slot r;
        ChunkSink.Slot t;
        ChunkSink.Slot z;
        try (ChunkStore.Batch batch = store.batch()) {
            try (ChunkPipeline pipeline = new ChunkPipeline(store, batch, 2, 256 * 1024, 1 << 20)) {
                r = pipeline.submit(random, 0, random.length);
                t = pipeline.submit(text, 0, text.length);
                z = pipeline.submit(zeros, 0, zeros.length);
                pipeline.drain();
            }
            batch.flush();
        }
        assertThat(z.ref().hole()).isTrue();
        assertThat(z.ref().length()).isEqualTo(zeros.length);
        Map<String, List<Byte>> entries = packEntries(dir.resolve("chunks/packs"));
        assertThat(entries).hasSize(2);
        assertThat(entries.get(r.ref().hex())).containsExactly(ChunkStore.RAW);
        assertThat(entries.get(t.ref().hex())).containsExactly(ChunkStore.ZSTD);
        assertThat(store.readEncoded(t.ref().hash()).payload().length).isLessThan(text.length / 10);
        assertThat(store.read(r.ref().hash())).isEqualTo(random);
        assertThat(store.read(t.ref().hash())).isEqualTo(text);
    }

    @Test
    void chunksInFlightStayWithinTheMemoryBudget() throws Exception {
        ChunkStore store = chunkStore();
        CountDownLatch go = new CountDownLatch(1);
        EmbeddedStore.crashHook = point -> {
            if (point.equals("snapshot-chunk-hashed")) {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        AtomicInteger accepted = new AtomicInteger();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        try (ChunkStore.Batch batch = store.batch();
             ChunkPipeline pipeline = new ChunkPipeline(store, batch, 1, 64 * 1024, 256 * 1024)) {
            Thread producer = new Thread(() -> {
                try {
                    for (int i = 0; i < 20; i++) {
                        byte[] b = StoreTestSupport.random(64 * 1024, 100 + i);
                        pipeline.submit(b, 0, b.length);
                        accepted.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failed.set(e);
                }
            });
            producer.start();
            Poll.until(Duration.ofSeconds(30), "the producer to wait for room",
                    () -> producer.getState() == Thread.State.TIMED_WAITING && accepted.get() == 4);
            assertThat(accepted.get()).as("256 KiB of budget holds four 64 KiB chunks").isEqualTo(4);
            go.countDown();
            producer.join();
            assertThat(failed.get()).isNull();
            pipeline.drain();
            assertThat(pipeline.chunksNew()).isEqualTo(20);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"snapshot-chunk-hashed", "snapshot-chunk-append"})
    void aFailureInThePipelineFailsTheSnapshotWithNoManifestAndNoThreadLeft(String point) throws IOException {
        EmbeddedStore store = opened(StoreTestSupport.open(dir));
        store.createDataset(ds);
        Path live = store.mountpoint(ds);
        for (int i = 0; i < 40; i++) {
            StoreTestSupport.write(live.resolve("d" + i % 4).resolve("f" + i), StoreTestSupport.random(20_000, i));
        }
        AtomicInteger seen = new AtomicInteger();
        EmbeddedStore.crashHook = p -> {
            if (p.equals(point) && seen.incrementAndGet() == 25) {
                throw new IllegalStateException("disk on fire at " + p);
            }
        };
        assertThatThrownBy(() -> store.createSnapshots(List.of(ds.snapshot("s1"))))
                .hasMessageContaining("disk on fire at " + point);
        EmbeddedStore.crashHook = p -> { };
        assertThat(pipelineThreads()).isEmpty();
        assertThat(store.listSnapshots(ds)).isEmpty();
        try (Stream<Path> s = Files.walk(dir.resolve("local/datasets"))) {
            assertThat(s.filter(p -> p.toString().endsWith(".manifest")).toList()).isEmpty();
        }

        store.createSnapshots(List.of(ds.snapshot("s1")));
        Path out = dir.resolve("out");
        store.restore(ds.snapshot("s1"), "", out);
        for (int i = 0; i < 40; i++) {
            assertThat(Files.readAllBytes(out.resolve("d" + i % 4).resolve("f" + i))).isEqualTo(StoreTestSupport.random(20_000, i));
        }
        assertThat(store.verify("local").clean()).isTrue();
    }

    @Test
    void aFailedBackgroundSyncFailsTheSnapshotEvenWhenTheFlushsOwnSyncSucceeds() throws IOException {
        EmbeddedStore store = opened(StoreTestSupport.open(dir));
        store.createDataset(ds);
        Path live = store.mountpoint(ds);
        for (int i = 0; i < 40; i++) { // 40 MiB: more than one background writeback's worth
            StoreTestSupport.write(live.resolve("f" + i), StoreTestSupport.random(1 << 20, i));
        }
        // Linux reports a writeback error to one fdatasync only: the pack's later sync would succeed.
        EmbeddedStore.crashHook = p -> {
            if (p.equals("pack-writeback")) {
                throw new java.io.UncheckedIOException(new IOException("Input/output error"));
            }
        };
        assertThatThrownBy(() -> store.createSnapshots(List.of(ds.snapshot("s1"))))
                .hasMessageContaining("to disk failed (Input/output error)").hasMessageContaining("check the disk");
        EmbeddedStore.crashHook = p -> { };
        assertThat(store.listSnapshots(ds)).isEmpty();
        assertThat(pipelineThreads()).isEmpty();

        store.createSnapshots(List.of(ds.snapshot("s1")));
        Path out = dir.resolve("out");
        store.restore(ds.snapshot("s1"), "", out);
        assertThat(Files.readAllBytes(out.resolve("f39"))).isEqualTo(StoreTestSupport.random(1 << 20, 39));
        assertThat(store.verify("local").clean()).isTrue();
    }

    @Test
    void aReadAheadFailureIsThrownByEveryReadNotTakenForTheEndOfTheStream() throws IOException {
        EmbeddedStore store = opened(StoreTestSupport.open(dir));
        store.createDataset(ds);
        for (int i = 0; i < 20; i++) {
            StoreTestSupport.write(store.mountpoint(ds).resolve("f" + i), StoreTestSupport.random(100_000, i));
        }
        store.createSnapshots(List.of(ds.snapshot("s1")));
        try (Stream<Path> packs = Files.list(dir.resolve("local/chunks/packs"))) {
            for (Path pack : packs.filter(p -> p.toString().endsWith(".pack")).toList()) {
                try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(pack, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.truncate(ch.size() / 2); // the disk lost the second half of every pack
                }
            }
        }
        try (InputStream in = store.send(SendRequest.full(ds.snapshot("s1")))) {
            byte[] buf = new byte[64 * 1024];
            Throwable first = org.assertj.core.api.Assertions.catchThrowable(() -> {
                while (in.read(buf) >= 0) {
                    // until the damaged part
                }
            });
            assertThat(first).isNotNull();
            Throwable again = org.assertj.core.api.Assertions.catchThrowable(() -> in.read(buf));
            assertThat(again).as("the stream does not look complete after its failure").isNotNull();
        }
        assertThat(pipelineThreads()).isEmpty();
    }

    @Test
    void identicalFilesInOneSnapshotAreStoredOnce() throws IOException {
        EmbeddedStore store = opened(StoreTestSupport.open(dir));
        store.createDataset(ds);
        Path live = store.mountpoint(ds);
        byte[] same = StoreTestSupport.random(300_000, 5);
        for (int i = 0; i < 30; i++) {
            StoreTestSupport.write(live.resolve("copy" + i), same);
        }
        store.createSnapshots(List.of(ds.snapshot("s1")));
        Map<String, List<Byte>> entries = packEntries(dir.resolve("local/chunks/packs"));
        assertThat(entries.values()).allSatisfy(copies -> assertThat(copies).hasSize(1));
        assertThat((long) entries.size()).isEqualTo(store.chunkCount("local"));
        byte[] again = StoreTestSupport.send(store, SendRequest.full(ds.snapshot("s1")));
        EmbeddedStore other = opened(StoreTestSupport.open(dir.resolve("other")));
        other.receive(DatasetName.of("local/copy"), new java.io.ByteArrayInputStream(again), io.snapferry.dataset.ReceiveOptions.defaults());
        assertThat(Files.readAllBytes(other.mountpoint(DatasetName.of("local/copy")).resolve("copy29"))).isEqualTo(same);
    }

    @Test
    void aSendClosedEarlyStopsItsReadAheadAndReleasesItsPin() throws IOException {
        EmbeddedStore store = opened(StoreTestSupport.open(dir));
        store.createDataset(ds);
        Path live = store.mountpoint(ds);
        for (int i = 0; i < 400; i++) { // 24 MB: more than the read-ahead holds
            StoreTestSupport.write(live.resolve("f" + i), StoreTestSupport.random(60_000, i));
        }
        store.createSnapshots(List.of(ds.snapshot("s1")));
        byte[] whole = StoreTestSupport.send(store, SendRequest.full(ds.snapshot("s1")));
        try (InputStream in = store.send(SendRequest.full(ds.snapshot("s1")))) {
            byte[] start = in.readNBytes(1000);
            assertThat(start).isEqualTo(java.util.Arrays.copyOf(whole, 1000));
            assertThat(pipelineThreads()).contains("snapferry-send-readahead");
        }
        assertThat(pipelineThreads()).isEmpty();
        store.destroySnapshots(List.of(ds.snapshot("s1")));
        GcReport gc = store.collectGarbage("local");
        assertThat(gc.chunksReferenced()).as("the closed send pins nothing").isZero();
    }
}
