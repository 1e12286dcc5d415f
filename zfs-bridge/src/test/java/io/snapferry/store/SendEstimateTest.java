package io.snapferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.SendRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's send-size estimate is computed from manifests and stored chunk sizes, and is exact. */
class SendEstimateTest {
    @TempDir
    Path dir;

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static long sentBytes(EmbeddedStore store, SendRequest r) throws IOException {
        try (InputStream in = store.send(r)) {
            return in.transferTo(java.io.OutputStream.nullOutputStream());
        }
    }

    @Test
    void estimatesEqualTheStreamsSizeForFullIncrementalAndIntermediates() throws IOException {
        try (EmbeddedStore store = StoreTestSupport.open(dir)) {
            DatasetName ds = DatasetName.of("local/data");
            store.createDataset(ds);
            Path tree = store.mountpoint(ds);
            StoreTestSupport.write(tree.resolve("a/big"), random(600_000, 1));
            StoreTestSupport.write(tree.resolve("text"), "some compressible text ".repeat(5000).getBytes());
            store.createSnapshots(List.of(ds.snapshot("s1")));
            StoreTestSupport.write(tree.resolve("b/new"), random(200_000, 2));
            store.createSnapshots(List.of(ds.snapshot("s2")));
            StoreTestSupport.write(tree.resolve("a/big"), random(600_000, 3));
            store.createSnapshots(List.of(ds.snapshot("s3")));

            for (SendRequest r : List.of(SendRequest.full(ds.snapshot("s1")), SendRequest.full(ds.snapshot("s3")),
                    SendRequest.incremental(ds.snapshot("s1"), ds.snapshot("s2"), false),
                    SendRequest.incremental(ds.snapshot("s1"), ds.snapshot("s3"), true),
                    SendRequest.incremental(ds.snapshot("s2"), ds.snapshot("s3"), false))) {
                assertThat(store.estimateSendSize(r)).as(r.toString()).hasValue(sentBytes(store, r));
            }
            // the incremental carries only what the base lacks
            long inc = store.estimateSendSize(SendRequest.incremental(ds.snapshot("s1"), ds.snapshot("s2"), false)).getAsLong();
            assertThat(inc).isBetween(200_000L, 260_000L);

            assertThat(catchThrowableOfType(DatasetException.class,
                    () -> store.estimateSendSize(SendRequest.full(ds.snapshot("missing")))).code()).isEqualTo(ErrorCode.NOT_FOUND);
        }
    }

    @Test
    void theEstimateSurvivesAnIndexRebuild() throws IOException {
        try (EmbeddedStore store = StoreTestSupport.open(dir)) {
            DatasetName ds = DatasetName.of("local/data");
            store.createDataset(ds);
            StoreTestSupport.write(store.mountpoint(ds).resolve("f"), random(300_000, 4));
            store.createSnapshots(List.of(ds.snapshot("s1")));
            SendRequest full = SendRequest.full(ds.snapshot("s1"));
            long before = store.estimateSendSize(full).getAsLong();
            store.rebuildIndexes("local");
            assertThat(store.estimateSendSize(full)).hasValue(before);
            assertThat(sentBytes(store, full)).isEqualTo(before);
        }
    }
}
