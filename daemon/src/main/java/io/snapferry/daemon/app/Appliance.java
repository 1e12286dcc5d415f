package io.snapferry.daemon.app;

import io.snapferry.daemon.config.ConfigStore;
import io.snapferry.daemon.config.DataDir;
import io.snapferry.daemon.config.SettingsStore;
import io.snapferry.daemon.export.ConfigSection;
import io.snapferry.daemon.export.ConfigTransfer;
import io.snapferry.daemon.export.Sections;
import io.snapferry.daemon.health.SpaceMonitor;
import io.snapferry.daemon.metrics.Metrics;
import io.snapferry.daemon.notify.NotificationTargets;
import io.snapferry.daemon.notify.Notifier;
import io.snapferry.replication.Sleeper;
import io.snapferry.daemon.notify.SmtpClient;
import io.snapferry.daemon.notify.WebhookSender;
import io.snapferry.daemon.scheduler.ScheduledJob;
import io.snapferry.daemon.scheduler.Scheduler;
import io.snapferry.daemon.snapshots.HookRunner;
import io.snapferry.daemon.snapshots.SnapshotTask;
import io.snapferry.daemon.snapshots.SnapshotTasks;
import io.snapferry.daemon.tasks.TaskHistory;
import io.snapferry.daemon.pools.RoutingProvider;
import io.snapferry.daemon.replication.RemoteEndpoints;
import io.snapferry.daemon.replication.ReplicationTask;
import io.snapferry.daemon.replication.ReplicationTasks;
import io.snapferry.daemon.replication.VerificationLog;
import io.snapferry.replication.Endpoint;
import io.snapferry.replication.LocalEndpoint;
import io.snapferry.replication.Replicator;
import io.snapferry.stream.FramedDatasetProvider;
import io.snapferry.stream.StreamOptions;
import java.util.Optional;
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
    private final ProviderFactory providerFactory;
    private List<DatasetProvider> providers = List.of();
    private Pools pools = new Pools(List.of());
    private final ServiceManager services = new ServiceManager();
    private DataDir.DaemonLock lock;
    private WebFrontend web;
    private SettingsStore settings;
    private volatile TaskHistory history;
    private SnapshotTasks snapshotTasks;
    private Scheduler scheduler;
    private ReplicationTasks replications;
    private VerificationLog verification;
    private io.snapferry.daemon.config.StreamKeys streamKeys;
    private Endpoint localEndpoint;
    private volatile RemoteEndpoints remotes = RemoteEndpoints.NONE;
    private Metrics metrics;
    private NotificationTargets notificationTargets;
    private Notifier notifier;
    private SpaceMonitor spaceMonitor;
    private ConfigTransfer configTransfer;
    private SshManager ssh;
    private io.snapferry.daemon.health.Quarantine quarantine;
    private io.snapferry.daemon.health.Verifier verifier;

    /** Opens the box's providers; called by {@link #start()} once the data directory is locked. */
    public interface ProviderFactory {
        List<DatasetProvider> open(DaemonOptions options) throws IOException;
    }

    public Appliance(DaemonOptions options, Clock clock, ProviderFactory providers) {
        this.options = options;
        this.clock = clock;
        this.providerFactory = providers;
    }

    /** A box serving these providers (tests hand in fakes). */
    public Appliance(DaemonOptions options, Clock clock, List<DatasetProvider> providers) {
        this(options, clock, o -> List.copyOf(providers));
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

    public ReplicationTasks replications() {
        return replications;
    }

    public VerificationLog verification() {
        return verification;
    }

    /**
     * This box's datasets as a replication endpoint: every pool, framed at the boundary (what
     * leaves is framed, what enters is verified and reported to {@link #verification()}).
     */
    public Endpoint localEndpoint() {
        return localEndpoint;
    }

    public io.snapferry.daemon.config.StreamKeys streamKeys() {
        return streamKeys;
    }

    /** How this box frames what a replication task sends: its compression and stream key. */
    private StreamOptions sendOptions(ReplicationTask task) {
        StreamOptions o = switch (task.compression()) {
            case NONE -> StreamOptions.defaults();
            case LZ4 -> StreamOptions.defaults().withCompression(io.snapferry.stream.Compression.LZ4);
            case ZSTD -> StreamOptions.defaults().withCompression(io.snapferry.stream.Compression.ZSTD);
        };
        if (task.encryptionKey().isPresent()) {
            o = o.withKey(streamKeys.get(task.encryptionKey().get()).orElseThrow(() -> new IllegalStateException(
                    "stream key " + task.encryptionKey().get() + " is gone; import it again")));
        }
        return o;
    }

    /** All pools, each framed at the box's boundary with {@code sendOptions}, every receive verified and recorded. */
    private DatasetProvider framedBox(String boxId, StreamOptions sendOptions) {
        List<DatasetProvider> framed = new ArrayList<>();
        for (DatasetProvider p : providers) {
            framed.add(new FramedDatasetProvider(p, boxId, sendOptions, streamKeys, this::verified));
        }
        return new RoutingProvider(framed);
    }

    /**
     * This box's end of a replication. A stock ZFS host (ssh-zfs) sends and receives plain ZFS
     * streams, so this end must not frame them; every other transport meets snapferry's framing.
     */
    private Endpoint replicationEnd(String boxId, ReplicationTask task) {
        if (task.transport() == ReplicationTask.Transport.SSH_ZFS) {
            return new LocalEndpoint(boxId, new RoutingProvider(providers), dataDir().state().resolve("ownership"));
        }
        return localEndpoint(boxId, sendOptions(task));
    }

    private Endpoint localEndpoint(String boxId, StreamOptions sendOptions) {
        return new LocalEndpoint(boxId, framedBox(boxId, sendOptions), dataDir().state().resolve("ownership"));
    }

    /** Who owns each replication target on this box, for local replications and peers alike. */
    private io.snapferry.ssh.endpoint.OwnershipStore owners() {
        return new io.snapferry.ssh.endpoint.OwnershipStore() {
            @Override
            public Optional<io.snapferry.ssh.endpoint.TargetOwner> get(io.snapferry.dataset.DatasetName target) {
                return localEndpoint.ownership(target).map(o -> new io.snapferry.ssh.endpoint.TargetOwner(o.boxId(), o.taskId()));
            }

            @Override
            public void put(io.snapferry.dataset.DatasetName target, io.snapferry.ssh.endpoint.TargetOwner owner) {
                localEndpoint.claim(target, new io.snapferry.replication.Ownership(owner.boxId(), owner.taskId()));
            }
        };
    }

    /**
     * A received stream's verification report: kept in the verification log, and as a task run of
     * kind {@code verify-receive} so the CLI and the UI show it with the other tasks.
     */
    private void verified(FramedDatasetProvider.VerificationReport r) {
        verification.record(r);
        String summary = (r.ok() ? "verified " : "refused ") + r.frames() + " frames, " + r.payloadBytes() + " bytes ("
                + r.wireBytes() + " on the wire) into " + r.target() + (r.received().isEmpty() ? "" : ": " + r.received())
                + ", digest " + r.digest() + (r.keyFingerprint().isEmpty() ? "" : ", key " + r.keyFingerprint())
                + (r.resentFrames() == 0 ? "" : ", " + r.resentFrames() + " damaged frame(s) sent again")
                + ", " + r.duration().toMillis() + " ms";
        TaskHistory h = history;
        if (h == null) {
            // a receive that was still finishing while the appliance shut down: the log keeps it
            LOG.warn("after shutdown: {}", summary);
            return;
        }
        String id = h.start(io.snapferry.daemon.ssh.SshManager.VERIFY_KIND, r.target().value());
        h.log(id, r.ok() ? "INFO" : "ERROR", summary);
        h.end(id, r.ok() ? io.snapferry.daemon.tasks.TaskRun.State.SUCCEEDED : io.snapferry.daemon.tasks.TaskRun.State.FAILED,
                r.ok() ? summary : r.result());
        if (!r.ok() && metrics != null) {
            metrics.verificationFailed(r.target().value());
        }
    }

    /** Installs how ssh and ssh-zfs replications reach other boxes. */
    public void setRemoteEndpoints(RemoteEndpoints remotes) {
        this.remotes = remotes;
    }

    /** What parts of the daemon report into; served at {@code GET /metrics}. */
    public Metrics metrics() {
        return metrics;
    }

    public NotificationTargets notificationTargets() {
        return notificationTargets;
    }

    /** Publishes notifications (failure, recovery, low space, test) to the configured targets. */
    public Notifier notifier() {
        return notifier;
    }

    public SpaceMonitor spaceMonitor() {
        return spaceMonitor;
    }

    /** Export and import of the configuration. */
    public ConfigTransfer configTransfer() {
        return configTransfer;
    }

    /**
     * The sections of an exported configuration, in import order. Replication tasks and SSH
     * connections add theirs here (without secrets: see {@link ConfigSection}).
     */
    private List<ConfigSection> configSections() {
        List<ConfigSection> out = new ArrayList<>();
        out.add(Sections.settings(settings));
        out.add(Sections.snapshotTasks(snapshotTasks));
        out.add(Sections.notificationTargets(notificationTargets));
        out.add(Sections.connections(ssh));
        out.add(Sections.replications(replications));
        return out;
    }

    /** The jobs the scheduler runs; asked on every pass. */
    private List<ScheduledJob> jobs() {
        List<ScheduledJob> out = new ArrayList<>(snapshotTasks.jobs());
        out.addAll(replications.jobs());
        out.addAll(verifier.jobs());
        out.add(spaceMonitor.job());
        return out;
    }

    /** The box's name in notifications: the kernel's host name (no DNS lookup), else the resolver's. */
    private static String hostName() {
        try {
            String h = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname")).strip();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: ask the resolver
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "snapferry";
        }
    }

    /** Scheduled verification of embedded-store pools. */
    public io.snapferry.daemon.health.Verifier verifier() {
        return verifier;
    }

    /** Pools closed to writes after verification found damage. */
    public io.snapferry.daemon.health.Quarantine quarantine() {
        return quarantine;
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
        long t0 = System.nanoTime();
        dataDir().create();
        lock = dataDir().lock();
        try {
            quarantine = new io.snapferry.daemon.health.Quarantine(dataDir().state().resolve("quarantine.json"));
            List<DatasetProvider> guarded = new ArrayList<>();
            for (DatasetProvider p : providerFactory.open(options)) {
                guarded.add(new io.snapferry.daemon.health.QuarantineGuard(p, quarantine));
            }
            providers = List.copyOf(guarded);
            LOG.debug("start-up: providers open after {} ms", (System.nanoTime() - t0) / 1_000_000);
            pools = new Pools(providers);
            for (String clash : pools.clashes()) {
                LOG.warn("pool name {} is claimed twice; the first provider serves it", clash);
            }
            settings = new SettingsStore(dataDir().config().resolve("settings.json"));
            history = new TaskHistory(dataDir().state().resolve("history.jsonl"), clock, 5000);
            snapshotTasks = new SnapshotTasks(new ConfigStore<>(dataDir().config().resolve("snapshot-tasks"), SnapshotTask.class,
                    SnapshotTask::id), pools, history, clock, () -> settings.get().zone(), new HookRunner());
            verification = new VerificationLog(dataDir().state().resolve("verification.jsonl"), clock);
            streamKeys = new io.snapferry.daemon.config.StreamKeys(dataDir().keys().resolve("stream"));
            String boxId = dataDir().boxId();
            localEndpoint = localEndpoint(boxId, StreamOptions.defaults());
            replications = new ReplicationTasks(new ConfigStore<>(dataDir().config().resolve("replications"), ReplicationTask.class,
                    ReplicationTask::name), snapshotTasks, history, clock, () -> settings.get().zone(), task -> replicationEnd(boxId, task), streamKeys::get,
                    task -> remotes.open(task), Replicator.Settings.defaults(), Sleeper.SYSTEM);
            snapshotTasks.setGuard(replications.guard());
            snapshotTasks.onSnapshotTaken(id -> {
                for (String follower : replications.followers(id)) {
                    scheduler.runNow(replications.once(follower), ScheduledJob.Trigger.AFTER_DEPENDENCY);
                }
            });
            verifier = new io.snapferry.daemon.health.Verifier(() -> providers, quarantine, history, clock,
                    () -> settings.get().zone(), io.snapferry.schedule.Schedule.parse("0 3 * * 0",
                            java.time.LocalTime.of(1, 0), java.time.LocalTime.of(6, 0)));
            scheduler = new Scheduler(clock, this::jobs, 4);
            metrics = new Metrics(clock, pools::list, scheduler::queueLength);
            history.onEnd(metrics::taskEnded);
            snapshotTasks.addListener(new SnapshotTasks.Listener() {
                @Override
                public void taken(String taskId, int count) {
                    metrics.snapshotsTaken(taskId, count);
                }

                @Override
                public void failed(String taskId) {
                    metrics.snapshotFailed(taskId);
                }

                @Override
                public void pruned(String taskId, int count) {
                    metrics.snapshotsPruned(taskId, count);
                }
            });
            notificationTargets = new NotificationTargets(dataDir().config().resolve("notifications.json"));
            notifier = new Notifier(notificationTargets::list, history, clock, hostName(),
                    new WebhookSender(Sleeper.SYSTEM, 5, java.time.Duration.ofSeconds(1)), new SmtpClient(clock));
            history.onEnd(notifier::taskEnded);
            spaceMonitor = new SpaceMonitor(pools::list, () -> settings.get().freeSpaceThreshold(), notifier);
            services.add(notifier);
            services.add(scheduler);
            services.add(spaceMonitor);
            ssh = new SshManager(dataDir(), options.bind(), options.sshPort(), pools, history, clock,
                    java.util.Optional.ofNullable(Appliance.class.getPackage().getImplementationVersion()).orElse("dev"),
                    () -> web.certificateFingerprint(), framedBox(boxId, StreamOptions.defaults()), owners());
            configTransfer = new ConfigTransfer(configSections());
            setRemoteEndpoints(new SshRemotes(ssh, dataDir().state().resolve("ownership-zfs-hosts")));
            replications.onFinished(f -> metrics.replicationFinished(f.task(), f.bytes(), f.duration(), f.newestSnapshot(), f.ok()));
            web = loadWebFrontend();
            // Neither needs the other to start (the SSH server asks for the web certificate's
            // fingerprint only when a peer pairs); both spend most of a second loading classes.
            services.addTogether(ssh.service(), web);
            LOG.debug("start-up: services made after {} ms", (System.nanoTime() - t0) / 1_000_000);
            services.startAll();
            dataDir().writeApiAddress(new DataDir.ApiAddress(web.url(), web.certificateFingerprint(),
                    ssh.service().port(), ProcessHandle.current().pid()));
            dataDir().adminToken();
            LOG.info("snapferry running on {} with pools {} ({} ms after the JVM started, {} ms of them here)", web.url(),
                    pools.pools().keySet(), java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime(),
                    (System.nanoTime() - t0) / 1_000_000);
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
