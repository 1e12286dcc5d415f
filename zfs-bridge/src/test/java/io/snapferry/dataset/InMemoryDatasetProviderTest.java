package io.snapferry.dataset;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;

class InMemoryDatasetProviderTest extends DatasetProviderContract {
    private final InMemoryDatasetProvider provider = new InMemoryDatasetProvider(Clock.systemUTC(), "tank");
    private final AtomicInteger n = new AtomicInteger();

    @Override
    protected DatasetProvider provider() {
        return provider;
    }

    @Override
    protected DatasetName scratch() {
        DatasetName d = DatasetName.of("tank/t" + n.incrementAndGet());
        provider.createDataset(d);
        return d;
    }

    @Override
    protected void writeFile(DatasetName dataset, String path, byte[] data) {
        provider.write(dataset, path, data);
    }

    @Override
    protected byte[] readFile(DatasetName dataset, String path) {
        return provider.read(dataset, path);
    }
}
