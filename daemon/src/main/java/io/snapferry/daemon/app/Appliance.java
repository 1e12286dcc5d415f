package io.snapferry.daemon.app;

import io.snapferry.daemon.config.ConfigStore;
import io.snapferry.daemon.config.DataDir;
import io.snapferry.daemon.config.SettingsStore;
import io.snapferry.daemon.scheduler.ScheduledJob;
import io.snapferry.daemon.scheduler.Scheduler;
import io.snapferry.daemon.snapshots.HookRunner;
import io.snapferry.daemon.snapshots.SnapshotTask;
import io.snapferry.daemon.snapshots.SnapshotTasks;
import io.snapferry.daemon.tasks.TaskHistory;
import io.snapferry.daemon.lifecycle.ServiceManager;
import io.snapferry.daemon.pools.Pools;
import io.snapferry.daemon.ssh.SshManager;
import io.snapferry.dataset.DatasetProvider;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
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
    private SettingsStore settings;
    private TaskHistory history;
    private SnapshotTasks snapshotTasks;
    private Scheduler scheduler;
    private SshManager ssh;

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

    public SettingsStore settings() {
        return settings;
    }

    public TaskHistory history() {
        return history;
    }

    public SnapshotTasks snapshotTasks() {
        return snapshotTasks;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    /** The jobs the scheduler runs; asked on every pass. */
    private List<ScheduledJob> jobs() {
        List<ScheduledJob> out = new ArrayList<>(snapshotTasks.jobs());
        return out;
    }

    /** SSH between boxes: key pairs, connections, peers, pairing, the SSH server. */
    public SshManager ssh() {
        return ssh;
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
            settings = new SettingsStore(dataDir().config().resolve("settings.json"));
            history = new TaskHistory(dataDir().state().resolve("history.jsonl"), clock, 5000);
            snapshotTasks = new SnapshotTasks(new ConfigStore<>(dataDir().config().resolve("snapshot-tasks"), SnapshotTask.class,
                    SnapshotTask::id), pools, history, clock, () -> settings.get().zone(), new HookRunner());
            scheduler = new Scheduler(clock, this::jobs, 4);
            services.add(scheduler);
            ssh = new SshManager(dataDir(), options.bind(), options.sshPort(), pools, history, clock,
                    java.util.Optional.ofNullable(Appliance.class.getPackage().getImplementationVersion()).orElse("dev"),
                    () -> web.certificateFingerprint());
            services.add(ssh.service());
            web = loadWebFrontend();
            services.add(web);
            services.startAll();
            dataDir().writeApiAddress(new DataDir.ApiAddress(web.url(), web.certificateFingerprint(),
                    ssh.service().port(), ProcessHandle.current().pid()));
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
        if (history != null) {
            history.close();
            history = null;
        }
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
