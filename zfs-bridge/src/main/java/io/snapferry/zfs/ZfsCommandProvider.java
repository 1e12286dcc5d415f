package io.snapferry.zfs;

import io.snapferry.dataset.Capabilities;
import io.snapferry.dataset.Dataset;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.DatasetTree;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.PoolSpace;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ZFS provider: drives the {@code zfs} and {@code zpool} commands with machine-readable output
 * ({@code -H}, {@code -p} where the command has it, {@code -o} property lists), each run from an
 * argument array, never through a shell. Names reach the commands only as validated
 * {@link DatasetName}s and {@link SnapshotName}s, so none can be read as an option.
 *
 * <p>What the installed commands support is probed once, in the constructor
 * ({@link ZfsFeatures}), unless the caller passes features it learned before; where a feature is
 * missing (zfs-fuse lacks many) an equivalent is used, as described on each method and in
 * README.md beside this class.
 *
 * <p><b>Threading.</b> Safe for concurrent use; each call runs its own processes. Hold
 * bookkeeping on ZFS without {@code zfs holds} is serialised per snapshot within this provider.
 *
 * <p><b>Errors.</b> A failed command becomes a {@link DatasetException} whose code
 * {@link ZfsErrors} derives from the command's stderr and whose message carries its words. Where the
 * commands' own answer would break the SPI contract (a partial destroy, a receive into the wrong
 * dataset) the provider checks first and fails cleanly before running anything.
 */
public final class ZfsCommandProvider implements DatasetProvider {
    /** The user property that records snapferry's hold tags where {@code zfs holds} does not work. */
    public static final String HOLDS_PROPERTY = "snapferry:holds";
    /** The user property that an inherit is issued on to make zfs-fuse sync a transaction group. */
    public static final String SYNC_PROPERTY = "snapferry:txg-sync";
    /** Prefix of the placeholder tags {@link #holds} reports for holds it cannot name. */
    public static final String UNNAMED_HOLD = "?unnamed-hold-";

    private static final Logger LOG = LoggerFactory.getLogger(ZfsCommandProvider.class);
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_.:][A-Za-z0-9_.:-]{0,199}");
    private static final String DATASET_PROPERTIES = "type,guid,used,available,mountpoint,readonly";
    private static final int NAMES_PER_CALL = 200;
    /** How many MiB a receive reads ahead of {@code zfs receive}. */
    static final int READ_AHEAD_CHUNKS = 8;

    private final String zfs;
    private final String zpool;
    private final CommandRunner runner;
    private final ZfsFeatures features;
    private final LzcOperations lzc;
    private final Object[] holdLocks = new Object[64];

    /** Uses {@code zfs} and {@code zpool} from PATH (or /usr/sbin, /sbin) and a 10-minute command timeout. */
    public ZfsCommandProvider() {
        this(defaultBinary("zfs"), defaultBinary("zpool"));
    }

    /** Uses the given binaries (absolute paths or names on PATH) and a 10-minute command timeout. */
    public ZfsCommandProvider(String zfsBinary, String zpoolBinary) {
        this(zfsBinary, zpoolBinary, Duration.ofMinutes(10));
    }

    /**
     * Uses the given binaries; any command other than a send or receive that runs longer than
     * {@code commandTimeout} is killed and reported as {@link ErrorCode#BUSY}. Probes the commands'
     * features; throws {@link DatasetException} when {@code zfs} cannot run or cannot reach ZFS.
     */
    public ZfsCommandProvider(String zfsBinary, String zpoolBinary, Duration commandTimeout) {
        this(zfsBinary, zpoolBinary, commandTimeout, null, CommandLauncher.local(), null);
    }

    /**
     * Drives ZFS through {@code launcher}: the commands of another machine, for a stock ZFS host
     * reached over SSH. The binaries are names or paths on that machine.
     */
    public ZfsCommandProvider(String zfsBinary, String zpoolBinary, Duration commandTimeout, CommandLauncher launcher) {
        this(zfsBinary, zpoolBinary, commandTimeout, null, launcher, null);
    }

    /**
     * Drives ZFS through {@code launcher} with features already known (from {@link #features()} of
     * an earlier provider for the same commands on the same machine): runs no command at all here,
     * neither the probes nor the check that {@code zfs} reaches ZFS, so a remote host whose ZFS has
     * stopped working shows up at the first operation instead. Features that no longer hold make
     * commands fail with the command's own error; the caller then builds a probing provider again.
     */
    public ZfsCommandProvider(String zfsBinary, String zpoolBinary, Duration commandTimeout, CommandLauncher launcher,
                              ZfsFeatures known) {
        this(zfsBinary, zpoolBinary, commandTimeout, null, launcher, java.util.Objects.requireNonNull(known, "known"));
    }

    ZfsCommandProvider(String zfsBinary, String zpoolBinary, Duration commandTimeout, LzcOperations lzc) {
        this(zfsBinary, zpoolBinary, commandTimeout, lzc, CommandLauncher.local(), null);
    }

    private ZfsCommandProvider(String zfsBinary, String zpoolBinary, Duration commandTimeout, LzcOperations lzc,
                               CommandLauncher launcher, ZfsFeatures known) {
        this.zfs = requireBinary(zfsBinary, "zfs");
        this.zpool = requireBinary(zpoolBinary, "zpool");
        this.runner = new CommandRunner(commandTimeout, launcher);
        this.lzc = lzc;
        for (int i = 0; i < holdLocks.length; i++) {
            holdLocks[i] = new Object();
        }
        if (known != null) {
            this.features = known;
            return;
        }
        CommandRunner.Result sanity = runner.run(List.of(zfs, "list", "-H", "-o", "name", "%probe"));
        String err = sanity.stderr().toLowerCase(java.util.Locale.ROOT);
        if (err.contains("failed to initialize") || err.contains("permission denied")) {
            throw ZfsErrors.toException("zfs cannot reach ZFS (is the zfs module or zfs-fuse daemon running, and are we root?)",
                    sanity);
        }
        this.features = ZfsFeatures.probe(zfs, zpool, cmd -> runner.run(cmd).message());
        LOG.debug("zfs commands {} / {}: {}", zfs, zpool, features);
    }

    private static String requireBinary(String binary, String what) {
        if (binary == null || binary.isBlank() || binary.startsWith("-")) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "the path to " + what + " is empty or looks like an option: '"
                    + binary + "'");
        }
        return binary;
    }

    /** {@code name} if it is on PATH, else /usr/sbin/name or /sbin/name if present, else {@code name}. */
    public static String defaultBinary(String name) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return name;
            }
        }
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/local/sbin")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return dir + "/" + name;
            }
        }
        return name;
    }

    /** What the probes found the installed commands support. */
    public ZfsFeatures features() {
        return features;
    }

    // ---------------------------------------------------------------- running commands

    private CommandRunner.Result zfs(Object... args) {
        return runner.run(CommandRunner.args(zfs, args));
    }

    private String zfsOk(String what, Object... args) {
        CommandRunner.Result r = zfs(args);
        if (!r.ok()) {
            throw ZfsErrors.toException(what, r);
        }
        return r.stdout();
    }

    private static List<String> lines(String out) {
        List<String> l = new ArrayList<>();
        for (String s : out.split("\n")) {
            if (!s.isEmpty()) {
                l.add(s);
            }
        }
        return l;
    }

    // ---------------------------------------------------------------- pools and datasets

    @Override
    public String kind() {
        return "zfs";
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(features.resumable(), features.bookmarks(), "zfs");
    }

    @Override
    public List<String> pools() {
        CommandRunner.Result r = runner.run(List.of(zpool, "list", "-H", "-o", "name"));
        if (!r.ok()) {
            throw ZfsErrors.toException("listing pools", r);
        }
        return lines(r.stdout());
    }

    /**
     * The pool's space. Where {@code zpool list} has no {@code -p} (zfs-fuse) the exact figures come
     * from the pool's root dataset instead: allocated is its {@code used}, free its
     * {@code available}, size their sum (space usable by datasets, after parity and the pool's
     * reserve), and health from {@code zpool list -o health}.
     */
    /** The scrub line of {@code zpool status} ("scan:" on OpenZFS, "scrub:" on zfs-fuse), e.g. "none requested". */
    @Override
    public Optional<String> maintenanceStatus(String pool) {
        DatasetName root = DatasetName.of(pool);
        if (!root.isPool()) {
            return Optional.empty();
        }
        CommandRunner.Result r = runner.run(List.of(zpool, "status", pool));
        if (!r.ok()) {
            return Optional.empty();
        }
        return scrubLine(r.stdout());
    }

    static Optional<String> scrubLine(String zpoolStatus) {
        for (String line : zpoolStatus.split("\n")) {
            String t = line.strip();
            if (t.startsWith("scan:") || t.startsWith("scrub:")) {
                return Optional.of(t.substring(t.indexOf(':') + 1).strip());
            }
        }
        return Optional.empty();
    }

    @Override
    public PoolSpace space(String pool) {
        DatasetName root = DatasetName.of(pool);
        if (!root.isPool()) {
            throw new DatasetException(ErrorCode.INVALID_NAME, "'" + pool + "' is a dataset, not a pool");
        }
        if (features.parsableZpoolList()) {
            CommandRunner.Result r = runner.run(List.of(zpool, "list", "-H", "-p", "-o", "name,size,allocated,free,health", pool));
            if (!r.ok()) {
                throw ZfsErrors.toException("space of pool " + pool, r);
            }
            String[] c = ZfsOutput.rows(r.stdout(), 5).get(0);
            return new PoolSpace(pool, Long.parseLong(c[1]), Long.parseLong(c[2]), Long.parseLong(c[3]), c[4]);
        }
        CommandRunner.Result health = runner.run(List.of(zpool, "list", "-H", "-o", "health", pool));
        if (!health.ok()) {
            throw ZfsErrors.toException("space of pool " + pool, health);
        }
        Map<String, String> p = ZfsOutput.properties(zfsOk("space of pool " + pool, "get", "-Hp", "-o", "name,property,value",
                "used,available", pool)).get(pool);
        long used = Long.parseLong(p.get("used"));
        long available = Long.parseLong(p.get("available"));
        return new PoolSpace(pool, used + available, used, available, health.stdout().strip());
    }

    @Override
    public List<Dataset> listDatasets(Optional<DatasetName> root) {
        List<Object> scope = root.isPresent() ? List.of("-r", root.get().value()) : List.of();
        List<Dataset> out = list("listing datasets" + root.map(r -> " under " + r).orElse(""), scope);
        out.sort((a, b) -> treeOrder(a.name()).compareTo(treeOrder(b.name())));
        return out;
    }

    /** {@code zfs list} of file systems and volumes with {@code scope} (names, {@code -r}, {@code -d}). */
    private List<Dataset> list(String what, List<Object> scope) {
        List<Dataset> out = new ArrayList<>();
        if (features.parsableList()) {
            String text = zfsOk(what, "list", "-H", "-p", "-o", "name," + DATASET_PROPERTIES, "-t", "filesystem,volume", scope);
            for (String[] c : ZfsOutput.rows(text, 7)) {
                out.add(dataset(c[0], Map.of("type", c[1], "guid", c[2], "used", c[3], "available", c[4],
                        "mountpoint", c[5], "readonly", c[6])));
            }
        } else {
            List<String> names = lines(zfsOk(what, "list", "-H", "-o", "name", "-t", "filesystem,volume", scope));
            out.addAll(describe(what, names));
        }
        return out;
    }

    private static String treeOrder(DatasetName n) {
        return n.value().replace('/', '\0');
    }

    /** Datasets by {@code zfs get -Hp}, for ZFS whose {@code zfs list} has no {@code -p}. */
    private List<Dataset> describe(String what, List<String> names) {
        List<Dataset> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i += NAMES_PER_CALL) {
            List<String> chunk = names.subList(i, Math.min(names.size(), i + NAMES_PER_CALL));
            Map<String, Map<String, String>> props = ZfsOutput.properties(
                    zfsOk(what, "get", "-Hp", "-o", "name,property,value", DATASET_PROPERTIES, chunk));
            for (String n : chunk) {
                Map<String, String> p = props.get(n);
                if (p != null) {
                    out.add(dataset(n, p));
                }
            }
        }
        return out;
    }

    private static Dataset dataset(String name, Map<String, String> p) {
        String mp = p.getOrDefault("mountpoint", "-");
        Optional<String> mountpoint = mp.startsWith("/") ? Optional.of(mp) : Optional.empty();
        return new Dataset(DatasetName.of(name), "volume".equals(p.get("type")) ? Dataset.Kind.VOLUME : Dataset.Kind.FILESYSTEM,
                Long.parseUnsignedLong(p.get("guid")), Long.parseLong(p.get("used")), Long.parseLong(p.get("available")),
                mountpoint, "on".equals(p.get("readonly")));
    }

    @Override
    public Dataset dataset(DatasetName name) {
        List<Dataset> found = features.parsableList()
                ? list("describing " + name, List.of(name.value()))
                : describe("describing " + name, List.of(name.value()));
        if (found.isEmpty()) {
            throw DatasetException.notFound("dataset " + name);
        }
        return found.get(0);
    }

    @Override
    public boolean exists(DatasetName name) {
        if (lzc != null) {
            return lzc.exists(name.value());
        }
        CommandRunner.Result r = zfs("list", "-H", "-o", "name", name.value());
        if (r.ok()) {
            return true;
        }
        if (ZfsErrors.classify(r.message()) == ErrorCode.NOT_FOUND) {
            return false;
        }
        throw ZfsErrors.toException("checking whether " + name + " exists", r);
    }

    /** {@code zfs create -p}; an existing dataset is ALREADY_EXISTS (checked first: {@code -p} would accept it). */
    @Override
    public Dataset createDataset(DatasetName name) {
        if (exists(name)) {
            throw DatasetException.exists("dataset " + name);
        }
        zfsOk("creating " + name, "create", "-p", name.value());
        return dataset(name);
    }

    /**
     * {@code zfs destroy -r}, after checking that nothing in the way is held (zfs would otherwise
     * destroy part of the tree before stopping at the held snapshot) and, without {@code recursive},
     * that the dataset has no children.
     */
    @Override
    public void destroyDataset(DatasetName name, boolean recursive) {
        if (name.isPool()) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "cannot destroy the root dataset of pool " + name
                    + "; destroy the pool with zpool instead");
        }
        List<String> tree = lines(zfsOk("destroying " + name, "list", "-H", "-o", "name", "-t", "filesystem,volume", "-r",
                name.value()));
        if (tree.size() > 1 && !recursive) {
            throw new DatasetException(ErrorCode.BUSY, "dataset " + name + " has children (" + tree.get(1)
                    + "...); destroy them first or destroy recursively");
        }
        for (String[] c : ZfsOutput.rows(zfsOk("destroying " + name, "get", "-Hp", "-r", "-o", "name,value", "userrefs",
                name.value()), 2)) {
            if (c[0].contains("@") && !c[1].equals("-") && !c[1].equals("0")) {
                throw new DatasetException(ErrorCode.BUSY, "snapshot " + c[0] + " has " + c[1]
                        + " user hold(s); release them before destroying " + name);
            }
        }
        zfsRetryingBusy("destroying " + name, "destroy", "-r", name.value());
    }

    /**
     * As {@link #zfsOk}, but a "busy" answer (an unmount racing a file system scan, which zfs-fuse
     * reports for a moment after a dataset was used) is tried again a few times before it is reported.
     */
    private String zfsRetryingBusy(String what, Object... args) {
        for (int attempt = 1; ; attempt++) {
            CommandRunner.Result r = zfs(args);
            if (r.ok()) {
                return r.stdout();
            }
            DatasetException e = ZfsErrors.toException(what, r);
            if (e.code() != ErrorCode.BUSY || attempt == 5) {
                throw e;
            }
            try {
                java.util.concurrent.TimeUnit.MILLISECONDS.sleep(100L * attempt);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw e;
            }
        }
    }

    // ---------------------------------------------------------------- snapshots

    /**
     * One {@code zfs list -H -p -t snapshot -o name,guid,createtxg,creation,used,referenced,userrefs
     * -s createtxg -d 1} call; where {@code zfs list} has no {@code -p} (zfs-fuse), the same
     * properties from one {@code zfs get -Hp -d 1} call (zfs-fuse has {@code createtxg} and
     * {@code userrefs}, hidden from {@code get all} but readable by name).
     */
    @Override
    public List<Snapshot> listSnapshots(DatasetName dataset) {
        String what = "listing snapshots of " + dataset;
        if (features.parsableList()) {
            return ZfsOutput.snapshotsFromList(zfsOk(what, "list", "-H", "-p", "-t", "snapshot", "-o",
                    ZfsOutput.SNAPSHOT_PROPERTIES, "-s", "createtxg", "-d", "1", dataset.value()), dataset);
        }
        return ZfsOutput.snapshotsFromGet(zfsOk(what, "get", "-Hp", "-d", "1", "-o", "name,property,value",
                "guid,createtxg,creation,used,referenced,userrefs", dataset.value()), dataset);
    }

    /**
     * One recursive listing of the snapshots: {@code zfs list -H -p -t snapshot -o ... -r root};
     * where {@code zfs list} has no {@code -p} (zfs-fuse), one {@code zfs get -Hp -r} of the same
     * properties (its rows for file systems are skipped: zfs-fuse's {@code zfs get} has no
     * {@code -t}).
     */
    @Override
    public List<Snapshot> listSnapshotsBelow(DatasetName root) {
        String what = "listing snapshots under " + root;
        if (features.parsableList()) {
            return ZfsOutput.snapshotsBelowFromList(zfsOk(what, "list", "-H", "-p", "-t", "snapshot", "-o",
                    ZfsOutput.SNAPSHOT_PROPERTIES, "-r", root.value()), root);
        }
        return ZfsOutput.snapshotsBelowFromGet(zfsOk(what, "get", "-Hp", "-r", "-o", "name,property,value",
                "guid,createtxg,creation,used,referenced,userrefs", root.value()), root);
    }

    /**
     * Where {@code zfs list} has no {@code -p} and {@code zfs holds} does not work (zfs-fuse), one
     * {@code zfs get -Hp -r} of {@code type}, the snapshot properties and {@value #HOLDS_PROPERTY}:
     * the datasets, the snapshots and the recorded hold tags in one command, which costs zfs-fuse no
     * more than the snapshot listing alone (it reads every snapshot's properties whatever is asked).
     * A held snapshot whose recorded tags do not number its {@code userrefs} is checked as
     * {@link #holdsOf} does. Elsewhere the default: three commands.
     */
    @Override
    public DatasetTree listTree(DatasetName root) {
        if (features.parsableList() || features.holdsCommand()) {
            return DatasetProvider.super.listTree(root);
        }
        String out = zfsOk("listing the tree under " + root, "get", "-Hp", "-r", "-o", "name,property,value",
                "type,guid,createtxg,creation,used,referenced,userrefs," + HOLDS_PROPERTY, root.value());
        List<DatasetName> datasets = new ArrayList<>();
        Map<String, String> recorded = new HashMap<>();
        for (String[] c : ZfsOutput.rows(out, 3)) {
            if (c[1].equals("type") && (c[2].equals("filesystem") || c[2].equals("volume"))) {
                datasets.add(DatasetName.of(c[0]));
            } else if (c[1].equals(HOLDS_PROPERTY) && c[0].indexOf('@') > 0) {
                recorded.put(c[0], c[2]);
            }
        }
        datasets.removeIf(d -> !root.contains(d));
        datasets.sort((a, b) -> treeOrder(a).compareTo(treeOrder(b)));
        List<Snapshot> snapshots = ZfsOutput.snapshotsBelowFromGet(out, root);
        Map<SnapshotName, Set<String>> holds = new LinkedHashMap<>();
        for (Snapshot snap : snapshots) {
            if (snap.holds() == 0) {
                continue;
            }
            Set<String> tags = parseTags(recorded.get(snap.name().toString()));
            if (tags.size() == snap.holds()) {
                holds.put(snap.name(), Set.copyOf(tags));
                continue;
            }
            try {
                holds.put(snap.name(), holds(snap.name()));
            } catch (DatasetException e) {
                if (e.code() != ErrorCode.NOT_FOUND) {
                    throw e; // a snapshot destroyed since the listing has no holds to report
                }
            }
        }
        return new DatasetTree(datasets, snapshots, holds);
    }

    /**
     * Atomic: {@code zfs snapshot a@x b@y} in one call (or {@code lzc_snapshot}). zfs-fuse takes one
     * name per call; there the snapshots must share one name, and the provider takes
     * {@code zfs snapshot -r} of their nearest common ancestor (one atomic step) and then destroys the
     * snapshots it made on datasets that were not asked for. Snapshots with different names cannot be
     * taken atomically there and are refused with UNSUPPORTED.
     */
    @Override
    public void createSnapshots(List<SnapshotName> snapshots) {
        if (snapshots.isEmpty()) {
            return;
        }
        String pool = snapshots.get(0).dataset().pool();
        Set<DatasetName> datasets = new LinkedHashSet<>();
        for (SnapshotName s : snapshots) {
            if (!s.dataset().pool().equals(pool)) {
                throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "an atomic snapshot must stay in one pool: " + snapshots);
            }
            if (!datasets.add(s.dataset())) {
                throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "two snapshots of " + s.dataset() + " in one batch: "
                        + snapshots);
            }
        }
        if (lzc != null) {
            lzc.snapshot(snapshots);
            return;
        }
        if (snapshots.size() == 1 || features.multiSnapshot()) {
            zfsOk("creating snapshots " + snapshots, "snapshot", snapshots.stream().map(SnapshotName::toString).toList());
            return;
        }
        recursiveSnapshot(snapshots, datasets);
    }

    private void recursiveSnapshot(List<SnapshotName> snapshots, Set<DatasetName> datasets) {
        String shortName = snapshots.get(0).name();
        if (snapshots.stream().anyMatch(s -> !s.name().equals(shortName))) {
            throw new DatasetException(ErrorCode.UNSUPPORTED, "this ZFS (zfs snapshot takes one name) can snapshot several "
                    + "datasets atomically only under one snapshot name; got " + snapshots);
        }
        DatasetName ancestor = snapshots.get(0).dataset();
        for (DatasetName d : datasets) {
            while (!ancestor.contains(d)) {
                ancestor = ancestor.parent();
            }
        }
        Set<String> tree = new LinkedHashSet<>(lines(zfsOk("creating snapshots " + snapshots, "list", "-H", "-o", "name", "-t",
                "filesystem,volume", "-r", ancestor.value())));
        for (DatasetName d : datasets) {
            if (!tree.contains(d.value())) {
                throw DatasetException.notFound("dataset " + d);
            }
        }
        datasets.forEach(d -> tree.remove(d.value()));
        CommandRunner.Result r = zfs("snapshot", "-r", ancestor.snapshot(shortName).toString());
        if (!r.ok()) {
            DatasetException e = ZfsErrors.toException("creating snapshots " + snapshots, r);
            for (String extra : tree) {
                if (e.code() == ErrorCode.ALREADY_EXISTS && r.stderr().contains("'" + extra + "@" + shortName + "'")) {
                    throw new DatasetException(ErrorCode.UNSUPPORTED, "cannot snapshot " + snapshots + " atomically: this ZFS "
                            + "needs a recursive snapshot of " + ancestor + ", and " + extra + "@" + shortName
                            + " (not asked for) already exists");
                }
            }
            throw e;
        }
        for (String extra : tree) {
            CommandRunner.Result d = zfs("destroy", extra + "@" + shortName);
            if (!d.ok()) {
                LOG.warn("recursive snapshot {}@{} left {}@{}, which was not asked for, and it could not be destroyed: {}",
                        ancestor, shortName, extra, shortName, d.stderr().strip());
            }
        }
    }

    /**
     * Checks holds with one {@code zfs get userrefs} call, skips held and missing snapshots with the
     * reason, and destroys the rest ({@code zfs destroy ds@a,b,c} per dataset where that syntax
     * exists, falling back to one call each so one failure never blocks the others).
     */
    @Override
    public DestroyResult destroySnapshots(List<SnapshotName> snapshots) {
        List<SnapshotName> destroyed = new ArrayList<>();
        Map<SnapshotName, String> skipped = new LinkedHashMap<>();
        List<SnapshotName> unique = new ArrayList<>(new LinkedHashSet<>(snapshots));
        Map<String, String> userrefs = new LinkedHashMap<>();
        String lookupError = "";
        for (int i = 0; i < unique.size(); i += NAMES_PER_CALL) {
            List<String> chunk = unique.subList(i, Math.min(unique.size(), i + NAMES_PER_CALL)).stream()
                    .map(SnapshotName::toString).toList();
            CommandRunner.Result r = zfs("get", "-Hp", "-o", "name,value", "userrefs", chunk);
            for (String[] c : ZfsOutput.rows(r.stdout(), 2)) {
                userrefs.put(c[0], c[1]);
            }
            if (!r.ok()) {
                lookupError = r.stderr();
            }
        }
        Map<DatasetName, List<SnapshotName>> byDataset = new LinkedHashMap<>();
        for (SnapshotName s : unique) {
            String refs = userrefs.get(s.toString());
            if (refs == null) {
                skipped.put(s, ZfsErrors.classify(lookupError) == ErrorCode.NOT_FOUND || lookupError.isEmpty()
                        ? "does not exist" : "could not be looked up: " + lookupError.strip());
            } else if (!refs.equals("0") && !refs.equals("-")) {
                skipped.put(s, "held by " + describeHolds(s, refs));
            } else {
                byDataset.computeIfAbsent(s.dataset(), k -> new ArrayList<>()).add(s);
            }
        }
        for (Map.Entry<DatasetName, List<SnapshotName>> e : byDataset.entrySet()) {
            List<SnapshotName> batch = e.getValue();
            if (lzc == null && batch.size() > 1 && features.multiSnapshot()) {
                String list = e.getKey() + "@" + batch.stream().map(SnapshotName::name).collect(Collectors.joining(","));
                if (zfs("destroy", list).ok()) {
                    destroyed.addAll(batch);
                    continue;
                }
            }
            for (SnapshotName s : batch) {
                try {
                    destroyOne(s);
                    destroyed.add(s);
                } catch (DatasetException ex) {
                    skipped.put(s, switch (ex.code()) {
                        case NOT_FOUND -> "does not exist";
                        case BUSY -> "busy: " + ex.getMessage();
                        default -> ex.getMessage();
                    });
                }
            }
        }
        return new DestroyResult(destroyed, skipped);
    }

    private void destroyOne(SnapshotName s) {
        if (lzc != null) {
            lzc.destroy(s);
        } else {
            zfsOk("destroying " + s, "destroy", s.toString());
        }
    }

    private String describeHolds(SnapshotName s, String count) {
        try {
            return holds(s) + " (" + count + " user hold(s))";
        } catch (DatasetException e) {
            return count + " user hold(s)";
        }
    }

    // ---------------------------------------------------------------- holds

    private static void checkTag(String tag) {
        if (tag == null || !TAG.matcher(tag).matches()) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "invalid hold tag '" + tag
                    + "': use 1 to 200 of letters, digits, '_', '.', ':', '-', not starting with '-'");
        }
    }

    private Object holdLock(SnapshotName s) {
        return holdLocks[Math.floorMod(s.hashCode(), holdLocks.length)];
    }

    /**
     * {@code zfs hold}. Where {@code zfs holds} does not work (zfs-fuse) the tag is also recorded in
     * the snapshot's {@value #HOLDS_PROPERTY} user property, so {@link #holds} can name it.
     */
    @Override
    public void hold(SnapshotName snapshot, String tag) {
        checkTag(tag);
        synchronized (holdLock(snapshot)) {
            if (lzc != null) {
                lzc.hold(snapshot, tag);
            } else {
                zfsOk("holding " + snapshot + " with tag '" + tag + "'", "hold", tag, snapshot.toString());
            }
            if (!features.holdsCommand()) {
                Set<String> tags = recordedTags(snapshot);
                tags.add(tag);
                recordTags(snapshot, tags);
            }
        }
    }

    /** {@code zfs release}; a tag that is not there is NOT_FOUND. */
    @Override
    public void release(SnapshotName snapshot, String tag) {
        checkTag(tag);
        synchronized (holdLock(snapshot)) {
            DatasetException failure = null;
            try {
                if (lzc != null) {
                    lzc.release(snapshot, tag);
                } else {
                    zfsOk("releasing hold '" + tag + "' on " + snapshot, "release", tag, snapshot.toString());
                }
            } catch (DatasetException e) {
                failure = e;
            }
            if (!features.holdsCommand() && (failure == null || failure.code() == ErrorCode.NOT_FOUND)) {
                Set<String> tags;
                try {
                    tags = recordedTags(snapshot);
                } catch (DatasetException e) {
                    tags = Set.of(); // the snapshot itself is gone: nothing to correct
                }
                if (tags.contains(tag)) {
                    Set<String> rest = new TreeSet<>(tags);
                    rest.remove(tag);
                    recordTags(snapshot, rest);
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    /**
     * {@code zfs holds -H}. Where that does not work (zfs-fuse: it needs a Python helper that is not
     * shipped) the tags come from the {@value #HOLDS_PROPERTY} property, checked against the
     * snapshot's {@code userrefs} count: when the two disagree each recorded tag is verified (a
     * {@code zfs hold} of a tag that is there fails with "tag already exists"; one that succeeds is
     * released again at once), and holds placed by other tools, whose tags zfs-fuse cannot list, appear
     * as placeholders {@value #UNNAMED_HOLD}1, 2, ... so that a held snapshot never looks free.
     */
    @Override
    public Set<String> holds(SnapshotName snapshot) {
        if (features.holdsCommand()) {
            Set<String> tags = new TreeSet<>();
            for (String[] c : ZfsOutput.rows(zfsOk("listing holds of " + snapshot, "holds", "-H", snapshot.toString()), 3)) {
                tags.add(c[1]);
            }
            return Set.copyOf(tags);
        }
        synchronized (holdLock(snapshot)) {
            Map<String, String> p = snapshotProperties(snapshot, "userrefs," + HOLDS_PROPERTY);
            int count = Integer.parseInt(p.get("userrefs"));
            if (count == 0) {
                return Set.of();
            }
            Set<String> tags = parseTags(p.get(HOLDS_PROPERTY));
            Set<String> verified = new TreeSet<>();
            for (String tag : tags) {
                CommandRunner.Result r = zfs("hold", tag, snapshot.toString());
                if (r.ok()) {
                    zfsOk("undoing the hold that checked tag '" + tag + "' on " + snapshot, "release", tag, snapshot.toString());
                } else if (ZfsErrors.classify(r.message()) == ErrorCode.ALREADY_EXISTS) {
                    verified.add(tag);
                } else {
                    throw ZfsErrors.toException("checking hold '" + tag + "' on " + snapshot, r);
                }
            }
            if (!verified.equals(tags)) {
                recordTags(snapshot, verified);
            }
            tags = verified;
            for (int i = 1; tags.size() < count; i++) {
                tags.add(UNNAMED_HOLD + i);
            }
            return Set.copyOf(tags);
        }
    }

    /**
     * Many snapshots' holds in one command per {@value #NAMES_PER_CALL} names: {@code zfs holds -H
     * s1 s2 ...} (one call per snapshot when that fails, to tell which are missing). Where
     * {@code zfs holds} does not work (zfs-fuse), one {@code zfs get userrefs,}{@value #HOLDS_PROPERTY}
     * per chunk; a snapshot whose recorded tags number as many as its {@code userrefs} is answered
     * with those tags as recorded, one where they disagree is checked tag by tag as {@link #holds}
     * does. The recorded tags are trusted when the counts agree: only another tool releasing one of
     * snapferry's tags with {@code zfs release} and adding one of its own in its place could make
     * them wrong, and it would then have to do the same on both sides of a replication.
     */
    @Override
    public Map<SnapshotName, Set<String>> holdsOf(java.util.Collection<SnapshotName> snapshots) {
        List<SnapshotName> unique = new ArrayList<>(new LinkedHashSet<>(snapshots));
        Map<SnapshotName, Set<String>> found = new HashMap<>();
        for (int i = 0; i < unique.size(); i += NAMES_PER_CALL) {
            List<SnapshotName> chunk = unique.subList(i, Math.min(unique.size(), i + NAMES_PER_CALL));
            List<String> names = chunk.stream().map(SnapshotName::toString).toList();
            if (features.holdsCommand()) {
                CommandRunner.Result r = zfs("holds", "-H", names);
                if (!r.ok()) {
                    found.putAll(DatasetProvider.super.holdsOf(chunk));
                    continue;
                }
                Map<String, Set<String>> tags = new HashMap<>();
                for (String[] c : ZfsOutput.rows(r.stdout(), 3)) {
                    tags.computeIfAbsent(c[0], k -> new TreeSet<>()).add(c[1]);
                }
                for (SnapshotName s : chunk) {
                    found.put(s, Set.copyOf(tags.getOrDefault(s.toString(), Set.of())));
                }
                continue;
            }
            CommandRunner.Result r = zfs("get", "-Hp", "-o", "name,property,value", "userrefs," + HOLDS_PROPERTY, names);
            Map<String, Map<String, String>> props = ZfsOutput.properties(r.stdout());
            if (!r.ok() && props.size() < chunk.size() && !r.stderr().isBlank()
                    && ZfsErrors.classify(r.message()) != ErrorCode.NOT_FOUND) {
                throw ZfsErrors.toException("reading the holds of " + chunk.size() + " snapshots", r);
            }
            for (SnapshotName s : chunk) {
                Map<String, String> p = props.get(s.toString());
                if (p == null || p.get("userrefs") == null) {
                    continue; // missing
                }
                String refs = p.get("userrefs");
                int count = refs.equals("-") ? 0 : Integer.parseInt(refs);
                Set<String> tags = count == 0 ? Set.of() : parseTags(p.get(HOLDS_PROPERTY));
                if (count == 0 || tags.size() == count) {
                    found.put(s, Set.copyOf(tags));
                } else {
                    try {
                        found.put(s, holds(s));
                    } catch (DatasetException e) {
                        if (e.code() != ErrorCode.NOT_FOUND) {
                            throw e;
                        }
                    }
                }
            }
        }
        Map<SnapshotName, Set<String>> out = new LinkedHashMap<>();
        for (SnapshotName s : unique) {
            if (found.containsKey(s)) {
                out.put(s, found.get(s));
            }
        }
        return out;
    }

    private Map<String, String> snapshotProperties(SnapshotName snapshot, String properties) {
        Map<String, String> p = ZfsOutput.properties(zfsOk("reading " + properties + " of " + snapshot, "get", "-Hp", "-o",
                "name,property,value", properties, snapshot.toString())).get(snapshot.toString());
        if (p == null) {
            throw DatasetException.notFound("snapshot " + snapshot);
        }
        return p;
    }

    private Set<String> recordedTags(SnapshotName snapshot) {
        return parseTags(snapshotProperties(snapshot, HOLDS_PROPERTY).get(HOLDS_PROPERTY));
    }

    private static Set<String> parseTags(String value) {
        Set<String> tags = new TreeSet<>();
        if (value != null && !value.equals("-")) {
            for (String t : value.split(",")) {
                if (TAG.matcher(t).matches()) {
                    tags.add(t);
                }
            }
        }
        return tags;
    }

    private void recordTags(SnapshotName snapshot, Set<String> tags) {
        if (tags.isEmpty()) {
            zfsOk("recording holds of " + snapshot, "inherit", HOLDS_PROPERTY, snapshot.toString());
        } else {
            zfsOk("recording holds of " + snapshot, "set", HOLDS_PROPERTY + "=" + String.join(",", tags), snapshot.toString());
        }
    }

    // ---------------------------------------------------------------- rollback and written

    /**
     * {@code zfs rollback [-r]}. With {@code destroyNewer} the newer snapshots are checked for holds
     * first, since zfs would destroy some of them before stopping at a held one.
     */
    @Override
    public void rollback(SnapshotName snapshot, boolean destroyNewer) {
        if (destroyNewer) {
            List<Snapshot> snaps = listSnapshots(snapshot.dataset());
            Snapshot target = snaps.stream().filter(s -> s.name().equals(snapshot)).findFirst()
                    .orElseThrow(() -> DatasetException.notFound("snapshot " + snapshot));
            for (Snapshot s : snaps) {
                if (s.createTxg() > target.createTxg() && s.holds() > 0) {
                    throw new DatasetException(ErrorCode.BUSY, "rollback to " + snapshot + " would destroy " + s.name()
                            + ", which has " + s.holds() + " user hold(s)");
                }
            }
            zfsOk("rolling back to " + snapshot, "rollback", "-r", snapshot.toString());
        } else {
            zfsOk("rolling back to " + snapshot, "rollback", snapshot.toString());
        }
    }

    /**
     * The {@code written} property where it exists. Without it (zfs-fuse) an estimate from the
     * newest snapshot: {@code referenced} of the dataset minus that of the snapshot (data added),
     * plus the snapshot's {@code used} (data overwritten or deleted since, now held only by the
     * snapshot); the dataset's {@code referenced} when it has no snapshot. Both ways first make the
     * pool sync its open transaction group ({@code zpool sync}, or on zfs-fuse an inherit of the
     * unset {@value #SYNC_PROPERTY} property, which waits for a sync), since the properties show
     * synced state only.
     */
    @Override
    public long writtenSinceLastSnapshot(DatasetName dataset) {
        String what = "reading what was written to " + dataset;
        if (features.zpoolSync()) {
            CommandRunner.Result r = runner.run(List.of(zpool, "sync", dataset.pool()));
            if (!r.ok()) {
                throw ZfsErrors.toException(what, r);
            }
        } else {
            zfsOk(what, "inherit", SYNC_PROPERTY, dataset.value());
        }
        if (features.written()) {
            return Long.parseLong(zfsOk(what, "get", "-Hp", "-o", "value", "written", dataset.value()).strip());
        }
        List<Snapshot> snaps = listSnapshots(dataset);
        long referenced = Long.parseLong(zfsOk(what, "get", "-Hp", "-o", "value", "referenced", dataset.value()).strip());
        if (snaps.isEmpty()) {
            return referenced;
        }
        Snapshot newest = snaps.get(snaps.size() - 1);
        return Math.max(0, referenced - newest.referenced()) + newest.used();
    }

    // ---------------------------------------------------------------- send and receive

    /**
     * True when {@code dataset}'s mountpoint is {@code none} or {@code legacy}: a receive into it
     * (or, for a new target, below it, inheriting it) that sets no property mounts nothing, so
     * {@code zfs receive -u} is not needed. It is left out there because on zfs-fuse it costs about
     * 30 ms for every snapshot received (measured: 100 snapshots in 13-16 s with it, 10-13 s
     * without). Any doubt (no parent, a failed lookup) answers false.
     */
    private boolean mountsNothing(DatasetName dataset) {
        if (dataset == null) {
            return false;
        }
        CommandRunner.Result r = zfs("get", "-H", "-o", "value", "mountpoint", dataset.value());
        String mp = r.stdout().strip();
        return r.ok() && (mp.equals("none") || mp.equals("legacy"));
    }

    /**
     * Starts {@code zfs send [-p] [-i|-I base] snapshot} (or {@code zfs send -t token}) and returns
     * its stdout; see {@link ProcessInputStream} for how failures and early closes behave. The
     * snapshots are checked while the command starts, so a missing one is NOT_FOUND here rather than
     * at the first read (and the command is stopped).
     */
    @Override
    public InputStream send(SendRequest request) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(zfs, "send"));
        if (request.resumeToken().isPresent()) {
            if (!features.resumable()) {
                throw new DatasetException(ErrorCode.UNSUPPORTED, "this ZFS has no resumable send (zfs send -t)");
            }
            cmd.addAll(List.of("-t", request.resumeToken().get()));
            return new ProcessInputStream(runner.launcher().start(cmd, false), "sending " + request.snapshot());
        }
        if (request.properties()) {
            cmd.add("-p");
        }
        request.base().ifPresent(b -> cmd.addAll(List.of(request.intermediates() ? "-I" : "-i", b.toString())));
        cmd.add(request.snapshot().toString());
        // The send starts while its snapshots are checked: on a remote host each command is a round
        // trip, and zfs send is only reading. A failed check stops it before anyone reads from it.
        Process p = runner.launcher().start(cmd, false);
        try {
            checkSendable(request);
        } catch (RuntimeException e) {
            p.destroyForcibly();
            for (java.io.Closeable c : List.<java.io.Closeable>of(p.getInputStream(), p.getErrorStream(), p.getOutputStream())) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // the process is gone; its pipes with it
                }
            }
            throw e;
        }
        return new ProcessInputStream(p, "sending " + request.snapshot());
    }

    /** Throws NOT_FOUND for a missing snapshot or base, INVALID_ARGUMENT for a base not older than the snapshot. */
    private void checkSendable(SendRequest request) {
        List<String> names = new ArrayList<>();
        names.add(request.snapshot().toString());
        request.base().ifPresent(b -> names.add(b.toString()));
        CommandRunner.Result r = zfs("get", "-Hp", "-o", "name,property,value", "createtxg", names);
        Map<String, Map<String, String>> txg = ZfsOutput.properties(r.stdout());
        for (String n : names) {
            if (!txg.containsKey(n)) {
                if (r.stderr().isBlank() || ZfsErrors.classify(r.message()) == ErrorCode.NOT_FOUND) {
                    throw DatasetException.notFound("snapshot " + n);
                }
                throw ZfsErrors.toException("sending " + request.snapshot(), r);
            }
        }
        if (request.base().isPresent() && Long.parseLong(txg.get(names.get(1)).get("createtxg"))
                >= Long.parseLong(txg.get(names.get(0)).get("createtxg"))) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "incremental base " + request.base().get()
                    + " is not older than " + request.snapshot());
        }
    }

    /**
     * Estimates a send's size. Where {@code zfs send -nvP} exists (OpenZFS) it is ZFS's own
     * prediction (its {@code size} line). Without it (zfs-fuse): a full send is estimated by the
     * snapshot's {@code referenced} bytes (the stream is its data plus record headers; a few percent
     * off, see the test), an incremental one by {@code written@base} where that property exists,
     * and is unknown otherwise: the size of a change between two snapshots cannot be derived from
     * the properties zfs-fuse has. A resume token is estimated only with {@code -nvP}.
     */
    @Override
    public OptionalLong estimateSendSize(SendRequest request) {
        String what = "estimating the send of " + request.snapshot();
        if (features.dryRunSend()) {
            List<Object> args = new ArrayList<>(List.of("send", "-nvP"));
            if (request.resumeToken().isPresent()) {
                args.addAll(List.of("-t", request.resumeToken().get()));
            } else {
                if (request.properties()) {
                    args.add("-p");
                }
                request.base().ifPresent(b -> args.addAll(List.of(request.intermediates() ? "-I" : "-i", b.toString())));
                args.add(request.snapshot().toString());
            }
            CommandRunner.Result r = zfs(args.toArray());
            if (!r.ok()) {
                throw ZfsErrors.toException(what, r);
            }
            return dryRunSize(r.stdout() + "\n" + r.stderr());
        }
        if (request.resumeToken().isPresent()) {
            return OptionalLong.empty();
        }
        if (request.base().isEmpty()) {
            return OptionalLong.of(Long.parseLong(zfsOk(what, "get", "-Hp", "-o", "value", "referenced",
                    request.snapshot().toString()).strip()));
        }
        if (features.written()) {
            String v = zfsOk(what, "get", "-Hp", "-o", "value", "written@" + request.base().get().name(),
                    request.snapshot().toString()).strip();
            return v.matches("\\d+") ? OptionalLong.of(Long.parseLong(v)) : OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    /** The {@code size} line of {@code zfs send -nvP}'s output, else the sum of its per-stream lines. */
    static OptionalLong dryRunSize(String out) {
        long sum = 0;
        boolean any = false;
        for (String line : out.split("\n")) {
            String[] f = line.strip().split("\t");
            if (f.length == 2 && f[0].equals("size") && f[1].matches("\\d+")) {
                return OptionalLong.of(Long.parseLong(f[1]));
            }
            if (f.length >= 3 && (f[0].equals("full") || f[0].equals("incremental")) && f[f.length - 1].matches("\\d+")) {
                sum += Long.parseLong(f[f.length - 1]);
                any = true;
            }
        }
        return any ? OptionalLong.of(sum) : OptionalLong.empty();
    }

    /**
     * Receives with {@code zfs receive [-u] [-F] [-s] [-o p=v]... [-x p]... target}, reading stderr
     * concurrently. Before anything runs, the stream's header is read and the target checked: an
     * incremental stream needs the target and its base snapshot (zfs-fuse would otherwise look the
     * base up by GUID and receive into whatever dataset has it); a base that is not the target's
     * newest snapshot is TARGET_MODIFIED, or with {@code rollback} the newer snapshots are destroyed
     * first; a full stream onto an existing target needs {@code rollback}. {@code -s} is used only where
     * supported. Where {@code -o}/{@code -x} are missing (zfs-fuse) the properties are set or
     * inherited right after the receive. {@code -u} keeps zfs-fuse from mounting what it received
     * (left out where nothing can be mounted, see {@link #mountsNothing}).
     */
    @Override
    public ReceiveResult receive(DatasetName target, InputStream stream, ReceiveOptions options) throws IOException {
        StreamHeader header = StreamHeader.read(stream);
        boolean targetExists = exists(target);
        List<Snapshot> before = targetExists ? listSnapshots(target) : List.of();
        if (header.incremental()) {
            if (!targetExists) {
                throw DatasetException.notFound("dataset " + target + " (an incremental stream needs its base there)");
            }
            int base = -1;
            for (int i = 0; i < before.size(); i++) {
                if (before.get(i).guid() == header.fromGuid()) {
                    base = i;
                }
            }
            if (base < 0) {
                throw DatasetException.notFound("incremental base (guid " + Long.toUnsignedString(header.fromGuid(), 16)
                        + ") of stream for " + header.toName() + " on " + target);
            }
            if (base < before.size() - 1) {
                if (!options.rollback()) {
                    throw new DatasetException(ErrorCode.TARGET_MODIFIED, target + " has snapshots after the incremental base "
                            + before.get(base).name() + " (" + before.get(before.size() - 1).name() + "); receive with rollback "
                            + "to discard them");
                }
                rollback(before.get(base).name(), true);
                before = before.subList(0, base + 1);
            }
        } else if (targetExists && !options.rollback()) {
            throw DatasetException.exists("dataset " + target + " (a full stream needs a new target, or rollback to replace it)");
        }
        List<String> cmd = new ArrayList<>(List.of(zfs, "receive"));
        if (features.receiveNoMount() && !(header.compound() && !header.mayCarryProperties()
                && mountsNothing(targetExists ? target : target.parent()))) {
            cmd.add("-u");
        }
        if (options.rollback()) {
            cmd.add("-F");
        }
        if (options.resumable() && features.resumable()) {
            cmd.add("-s");
        }
        if (features.receiveProperties()) {
            options.override().forEach((k, v) -> cmd.addAll(List.of("-o", k + "=" + v)));
            options.exclude().forEach(p -> cmd.addAll(List.of("-x", p)));
        }
        cmd.add(target.value());
        long bytes = pipe(cmd, header.consumed(), stream, "receiving into " + target);
        if (!features.receiveProperties()) {
            for (Map.Entry<String, String> e : options.override().entrySet()) {
                zfsOk("setting " + e.getKey() + " on " + target, "set", e.getKey() + "=" + e.getValue(), target.value());
            }
            for (String p : options.exclude()) {
                zfsOk("reverting received property " + p + " on " + target, "inherit", p, target.value());
            }
        }
        Set<Long> had = new HashSet<>();
        before.forEach(s -> had.add(s.guid()));
        List<SnapshotName> received = listSnapshots(target).stream().filter(s -> !had.contains(s.guid()))
                .map(Snapshot::name).toList();
        return new ReceiveResult(received, bytes);
    }

    /**
     * Runs {@code cmd} with {@code prefix} then {@code rest} on its stdin; returns the bytes written.
     * {@code rest} is read ahead by up to {@value #READ_AHEAD_CHUNKS} MiB (see {@link ReadAhead}), so
     * that the sender goes on while {@code zfs receive} is busy writing what it has.
     */
    private long pipe(List<String> cmd, byte[] prefix, InputStream source, String what) throws IOException {
        long start = System.nanoTime();
        Process p = runner.launcher().start(cmd, true);
        CommandRunner.StreamCollector err = CommandRunner.StreamCollector.start(p.getErrorStream(), 64 << 10, "stderr of " + what);
        CommandRunner.StreamCollector.start(p.getInputStream(), 64 << 10, "stdout of " + what);
        long bytes = 0;
        IOException sourceFailure = null;
        try (OutputStream in = p.getOutputStream(); ReadAhead rest = new ReadAhead(source, 1 << 20, READ_AHEAD_CHUNKS,
                "read-ahead for " + what)) {
            byte[] buf = new byte[1 << 20];
            System.arraycopy(prefix, 0, buf, 0, prefix.length);
            int fill = prefix.length;
            while (true) {
                if (fill > 0) {
                    try {
                        in.write(buf, 0, fill);
                    } catch (IOException e) {
                        break; // zfs stopped reading: its exit status and stderr say why
                    }
                    bytes += fill;
                }
                try {
                    fill = rest.read(buf);
                } catch (IOException e) {
                    sourceFailure = e;
                    break;
                }
                if (fill < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            // closing stdin of a process that already exited: its status says what happened
        }
        if (sourceFailure != null) {
            p.destroy();
        }
        int exit;
        try {
            exit = p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(what + ": interrupted", e);
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} exited {} after {} ms, {} bytes piped in", String.join(" ", cmd), exit, (System.nanoTime() - start) / 1_000_000, bytes);
        }
        if (sourceFailure != null) {
            throw new IOException(what + ": reading the stream failed after " + bytes + " bytes; the receive was aborted",
                    sourceFailure);
        }
        if (exit != 0) {
            throw ZfsErrors.toException(what, err.text(), exit);
        }
        return bytes;
    }

    /** {@code receive_resume_token} where resumable receive exists; empty otherwise or when none is pending. */
    @Override
    public Optional<String> resumeToken(DatasetName target) {
        if (!features.resumable()) {
            return Optional.empty();
        }
        CommandRunner.Result r = zfs("get", "-Hp", "-o", "value", "receive_resume_token", target.value());
        if (!r.ok()) {
            if (ZfsErrors.classify(r.message()) == ErrorCode.NOT_FOUND) {
                return Optional.empty();
            }
            throw ZfsErrors.toException("reading the resume token of " + target, r);
        }
        String token = r.stdout().strip();
        return token.isEmpty() || token.equals("-") ? Optional.empty() : Optional.of(token);
    }

    /** {@code zfs receive -A} where resumable receive exists; a no-op otherwise and when nothing is pending. */
    @Override
    public void abortResumableReceive(DatasetName target) {
        if (!features.resumable()) {
            return;
        }
        CommandRunner.Result r = zfs("receive", "-A", target.value());
        if (!r.ok() && ZfsErrors.classify(r.message()) != ErrorCode.NOT_FOUND) {
            throw ZfsErrors.toException("discarding the partial receive into " + target, r);
        }
    }

    @Override
    public String toString() {
        return "ZfsCommandProvider[" + zfs + ", " + zpool + (lzc != null ? ", libzfs_core" : "") + "]";
    }
}
