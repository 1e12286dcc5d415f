package io.snapferry.daemon.app;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.store.EmbeddedStore;
import io.snapferry.zfs.ZfsProviders;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the providers the daemon serves: the embedded store's pools first (its default pool
 * {@code local} lives in the data directory), then the ZFS pools when ZFS is found.
 */
public final class Providers {
    private static final Logger LOG = LoggerFactory.getLogger(Providers.class);

    private Providers() {
    }

    public static List<DatasetProvider> open(DaemonOptions options) throws IOException {
        List<DatasetProvider> out = new ArrayList<>();
        long t0 = System.nanoTime();
        out.add(EmbeddedStore.forDataDirectory(options.dataDir().root()));
        LOG.debug("start-up: embedded store open in {} ms", (System.nanoTime() - t0) / 1_000_000);
        if (options.zfs()) {
            long t1 = System.nanoTime();
            try {
                DatasetProvider zfs = ZfsProviders.open();
                LOG.info("ZFS found with pools {} ({} ms)", zfs.pools(), (System.nanoTime() - t1) / 1_000_000);
                out.add(zfs);
            } catch (DatasetException e) {
                LOG.info("no ZFS pools are served: {}", e.getMessage());
            }
        }
        return out;
    }
}
