package io.snapferry.store;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.DatasetProviderContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoreContractTest extends DatasetProviderContract {
    @TempDir
    Path dir;
    private EmbeddedStore store;
    private final AtomicInteger n = new AtomicInteger();

    @Override
    protected DatasetProvider provider() {
        if (store == null) {
            store = StoreTestSupport.open(dir);
        }
        return store;
    }

    @Override
    protected DatasetName scratch() {
        DatasetName d = DatasetName.of("local/t" + n.incrementAndGet());
        provider().createDataset(d);
        return d;
    }

    @Override
    protected void writeFile(DatasetName dataset, String path, byte[] data) throws IOException {
        StoreTestSupport.write(((EmbeddedStore) provider()).mountpoint(dataset).resolve(path), data);
    }

    @Override
    protected byte[] readFile(DatasetName dataset, String path) throws IOException {
        Path p = ((EmbeddedStore) provider()).mountpoint(dataset).resolve(path);
        return Files.exists(p) ? Files.readAllBytes(p) : null;
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }
}
