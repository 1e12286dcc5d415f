package io.snapferry.daemon.app;

import io.snapferry.dataset.DatasetProvider;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Opens the providers the daemon serves: the embedded store's pools, then ZFS pools when found. */
public final class Providers {
    private Providers() {
    }

    public static List<DatasetProvider> open(DaemonOptions options) throws IOException {
        List<DatasetProvider> out = new ArrayList<>();
        return out;
    }
}
