package io.snapferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.SendRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** Damaged record streams are refused with a clear error and change nothing. */
class StreamFuzzTest {
    private static Path dir;
    private static EmbeddedStore store;
    private static byte[] stream;
    private static final AtomicInteger N = new AtomicInteger();

    @BeforeContainer
    static void setUp() throws IOException {
        dir = Files.createTempDirectory("streamfuzz");
        store = StoreTestSupport.open(dir);
        DatasetName src = DatasetName.of("local/src");
        store.createDataset(src);
        byte[] data = new byte[40_000];
        new Random(1).nextBytes(data);
        StoreTestSupport.write(store.mountpoint(src).resolve("a/f"), data);
        Files.createSymbolicLink(store.mountpoint(src).resolve("l"), Path.of("a/f"));
        store.createSnapshots(List.of(src.snapshot("s")));
        try (InputStream in = store.send(SendRequest.full(src.snapshot("s")))) {
            stream = in.readAllBytes();
        }
    }

    @AfterContainer
    static void tearDown() throws IOException {
        store.close();
        Durable.deleteTree(dir);
    }

    private static void refused(byte[] bad) {
        DatasetName target = DatasetName.of("local/t" + N.incrementAndGet());
        assertThatThrownBy(() -> store.receive(target, new ByteArrayInputStream(bad), ReceiveOptions.defaults()))
                .isInstanceOfAny(DatasetException.class, IOException.class);
        assertThat(store.exists(target)).isFalse();
    }

    @Property(tries = 60)
    void anyFlippedByteIsRefused(@ForAll @IntRange(min = 0, max = Integer.MAX_VALUE - 1) int where,
                                 @ForAll @IntRange(min = 1, max = 255) int mask) {
        byte[] bad = stream.clone();
        bad[where % bad.length] ^= (byte) mask;
        refused(bad);
    }

    @Property(tries = 40)
    void anyTruncationIsRefused(@ForAll @IntRange(min = 0, max = Integer.MAX_VALUE - 1) int cut) {
        refused(Arrays.copyOf(stream, cut % stream.length));
    }

    @Property(tries = 20)
    void trailingBytesAreRefused(@ForAll @IntRange(min = 1, max = 100) int extra) {
        refused(Arrays.copyOf(stream, stream.length + extra));
    }
}
