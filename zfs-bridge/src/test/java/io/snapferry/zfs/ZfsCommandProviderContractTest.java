package io.snapferry.zfs;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.DatasetProviderContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The whole dataset SPI contract against real ZFS (zfs-fuse here), on a pool of its own. */
class ZfsCommandProviderContractTest extends DatasetProviderContract {
    private static ZfsTestPool pool;
    private static ZfsCommandProvider provider;
    private static final AtomicInteger N = new AtomicInteger();

    @BeforeAll
    static void createPool() {
        pool = ZfsTestPool.create();
        provider = new ZfsCommandProvider();
    }

    @AfterAll
    static void destroyPool() {
        if (pool != null) {
            pool.close();
        }
    }

    @Override
    protected DatasetProvider provider() {
        return provider;
    }

    @Override
    protected DatasetName scratch() {
        DatasetName d = pool.root().child("t" + N.incrementAndGet());
        provider.createDataset(d);
        return d;
    }

    @Override
    protected void writeFile(DatasetName dataset, String path, byte[] data) throws IOException {
        Files.write(pool.mounted(dataset).resolve(path), data);
    }

    @Override
    protected byte[] readFile(DatasetName dataset, String path) throws IOException {
        Path f = pool.mounted(dataset).resolve(path);
        return Files.exists(f) ? Files.readAllBytes(f) : null;
    }
}
