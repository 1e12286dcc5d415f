package io.snapferry.daemon.app;

import io.snapferry.daemon.config.DataDir;
import io.snapferry.daemon.lifecycle.ServiceManager;
import io.snapferry.daemon.pools.Pools;
import io.snapferry.dataset.DatasetProvider;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running snapferry box: its data directory, its pools and providers, and its services. The
 * web front end and the CLI work through this object.
 *
 * <p>{@link #start()} takes the data directory's lock (a second daemon on the same directory is
 * refused), starts every service and publishes the API address for the CLI; {@link #close()}
 * stops them in reverse order and releases the lock.
 */
public final class Appliance implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Appliance.class);

    private final DaemonOptions options;
    private final Clock clock;
    private final List<DatasetProvider> providers;
    private final Pools pools;
    private final ServiceManager services = new ServiceManager();
    private DataDir.DaemonLock lock;
    private WebFrontend web;

    public Appliance(DaemonOptions options, Clock clock, List<DatasetProvider> providers) {
        this.options = options;
        this.clock = clock;
        this.providers = List.copyOf(providers);
        this.pools = new Pools(providers);
    }

    public DaemonOptions options() {
        return options;
    }

    public DataDir dataDir() {
        return options.dataDir();
    }

    public Clock clock() {
        return clock;
    }

    public Pools pools() {
        return pools;
    }

    public ServiceManager services() {
        return services;
    }

    /** The running web front end. */
    public WebFrontend web() {
        return web;
    }

    public synchronized void start() throws IOException {
        dataDir().create();
        lock = dataDir().lock();
        try {
            for (String clash : pools.clashes()) {
                LOG.warn("pool name {} is claimed twice; the first provider serves it", clash);
            }
            web = loadWebFrontend();
            services.add(web);
            services.startAll();
            dataDir().writeApiAddress(new DataDir.ApiAddress(web.url(), web.certificateFingerprint(),
                    options.sshPort(), ProcessHandle.current().pid()));
            dataDir().adminToken();
            LOG.info("snapferry running on {} with pools {}", web.url(), pools.pools().keySet());
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private WebFrontend loadWebFrontend() {
        for (WebFrontend.Factory f : ServiceLoader.load(WebFrontend.Factory.class)) {
            return f.create(this);
        }
        throw new IllegalStateException("no web front end on the class path (the webui module is missing from the installation)");
    }

    @Override
    public synchronized void close() throws IOException {
        services.stopAll();
        for (DatasetProvider p : providers) {
            try {
                p.close();
            } catch (RuntimeException e) {
                LOG.warn("closing provider {} failed: {}", p.kind(), e.toString());
            }
        }
        if (lock != null) {
            dataDir().clearApiAddress();
            lock.close();
            lock = null;
        }
    }
}
