package io.snapferry.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/** Shared set-up for the store's tests: small chunks so that small files have several. */
final class StoreTestSupport {
    private StoreTestSupport() {
    }

    static StoreOptions smallChunks() {
        return StoreOptions.defaults().withChunkSizes(2 * 1024, 8 * 1024, 64 * 1024).withIndexEntries(20_000)
                .withGcGrace(Duration.ZERO);
    }

    static EmbeddedStore open(Path dir) {
        return open(dir, smallChunks());
    }

    static EmbeddedStore open(Path dir, StoreOptions options) {
        return new EmbeddedStore(Map.of("local", dir.resolve("local")), options, Clock.systemUTC());
    }

    /** {@code n} bytes from a generator seeded with {@code seed}: the same bytes for the same seed. */
    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    /** The whole stream {@code store} sends for {@code request}. */
    static byte[] send(EmbeddedStore store, io.snapferry.dataset.SendRequest request) throws IOException {
        try (java.io.InputStream in = store.send(request)) {
            return in.readAllBytes();
        }
    }

    static void write(Path file, byte[] data) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, data);
    }
}
