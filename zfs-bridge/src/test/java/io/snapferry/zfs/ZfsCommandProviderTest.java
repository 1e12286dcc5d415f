package io.snapferry.zfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.PoolSpace;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import io.snapferry.testing.Poll;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.OptionalLong;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ZFS-specific behaviour beyond the SPI contract, on a pool of its own. */
class ZfsCommandProviderTest {
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

    private static DatasetName scratch() {
        DatasetName d = pool.root().child("z" + N.incrementAndGet());
        provider.createDataset(d);
        return d;
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void write(DatasetName ds, String path, byte[] data) throws IOException {
        Path f = pool.mounted(ds).resolve(path);
        Files.createDirectories(f.getParent());
        Files.write(f, data);
    }

    private static byte[] read(DatasetName ds, String path) throws IOException {
        return Files.readAllBytes(pool.mounted(ds).resolve(path));
    }

    private static byte[] sendAll(SendRequest r) throws IOException {
        try (InputStream in = provider.send(r)) {
            return in.readAllBytes();
        }
    }

    private static boolean isZfsFuse() {
        return Files.exists(Path.of("/var/run/zfs/zfs_socket")) || io.snapferry.testing.Requirements.onPath("zfs-fuse");
    }

    /** What the probes found on zfs-fuse 0.7.0, measured by hand (see README.md). */
    @Test
    void probesFindWhatZfsFuseLacks() {
        ZfsFeatures f = provider.features();
        assertThat(provider.capabilities().resumableReceive()).isEqualTo(f.resumable());
        assertThat(provider.capabilities().bookmarks()).isEqualTo(f.bookmarks());
        assertThat(provider.capabilities().streamKind()).isEqualTo("zfs");
        if (isZfsFuse()) {
            assertThat(f).isEqualTo(new ZfsFeatures(false, false, false, false, false, false, false, true, false, false, false));
        }
    }

    @Test
    void resumeTokensAndBookmarksFallBackCleanlyWhereMissing() throws IOException {
        DatasetName ds = scratch();
        provider.createSnapshots(List.of(ds.snapshot("s")));
        if (!provider.features().resumable()) {
            DatasetException e = catchThrowableOfType(DatasetException.class,
                    () -> provider.send(SendRequest.full(ds.snapshot("s")).withResumeToken("1-abc-def")));
            assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED);
            assertThat(e.getMessage()).contains("resumable");
            assertThat(provider.resumeToken(ds)).isEmpty();
            provider.abortResumableReceive(ds);
            // resumable is asked for by default and quietly not used
            DatasetName dst = ds.child("copy");
            ReceiveResult r = provider.receive(dst, new ByteArrayInputStream(sendAll(SendRequest.full(ds.snapshot("s")))),
                    ReceiveOptions.defaults());
            assertThat(r.received()).containsExactly(dst.snapshot("s"));
            assertThat(provider.resumeToken(dst)).isEmpty();
        } else {
            assertThat(provider.resumeToken(ds)).isEmpty();
        }
        assertThat(provider.capabilities().bookmarks()).isEqualTo(provider.features().bookmarks());
    }

    @Test
    void fullAndIncrementalSendCarryFileContents() throws IOException {
        DatasetName src = scratch();
        write(src, "a/one.bin", random(300_000, 1));
        write(src, "b/c/two.txt", "hello".getBytes());
        provider.createSnapshots(List.of(src.snapshot("s1")));
        DatasetName dst = pool.root().child("z" + N.incrementAndGet() + "-dst");

        byte[] full = sendAll(SendRequest.full(src.snapshot("s1")));
        ReceiveResult r1 = provider.receive(dst, new ByteArrayInputStream(full), ReceiveOptions.defaults());
        assertThat(r1.bytes()).isEqualTo(full.length);
        assertThat(r1.received()).containsExactly(dst.snapshot("s1"));
        assertThat(read(dst, "a/one.bin")).isEqualTo(random(300_000, 1));
        assertThat(read(dst, "b/c/two.txt")).isEqualTo("hello".getBytes());

        write(src, "a/one.bin", random(300_000, 2));
        Files.delete(pool.mounted(src).resolve("b/c/two.txt"));
        provider.createSnapshots(List.of(src.snapshot("s2")));
        write(src, "three", random(5000, 3));
        provider.createSnapshots(List.of(src.snapshot("s3")));

        byte[] inc = sendAll(SendRequest.incremental(src.snapshot("s1"), src.snapshot("s3"), false));
        // reading dst above updated access times, which ZFS counts as a modification: roll it back
        DatasetException modified = catchThrowableOfType(DatasetException.class,
                () -> provider.receive(dst, new ByteArrayInputStream(inc), ReceiveOptions.defaults()));
        assertThat(modified.code()).isEqualTo(ErrorCode.TARGET_MODIFIED);
        ReceiveResult r2 = provider.receive(dst, new ByteArrayInputStream(inc), ReceiveOptions.defaults().withRollback(true));
        assertThat(r2.received()).containsExactly(dst.snapshot("s3"));
        assertThat(provider.listSnapshots(dst)).extracting(Snapshot::shortName).containsExactly("s1", "s3");
        assertThat(provider.listSnapshots(dst).get(1).guid()).isEqualTo(provider.listSnapshots(src).get(2).guid());
        pool.remounted(dst);
        assertThat(read(dst, "a/one.bin")).isEqualTo(random(300_000, 2));
        assertThat(read(dst, "three")).isEqualTo(random(5000, 3));
        assertThat(pool.mounted(dst).resolve("b/c/two.txt")).doesNotExist();
    }

    @Test
    void onZfsFuseTheTreeIsOneCommandAndAHoldItsRecordDoesNotNameIsStillShown() {
        io.snapferry.testing.Requirements.require(isZfsFuse(), "zfs-fuse");
        DatasetName base = scratch();
        DatasetName child = base.child("c");
        provider.createDataset(child);
        provider.createSnapshots(List.of(base.snapshot("a")));
        provider.createSnapshots(List.of(child.snapshot("a")));
        provider.createSnapshots(List.of(child.snapshot("b")));
        provider.hold(child.snapshot("a"), "snapferry-one");
        // another tool's hold: zfs-fuse cannot name it, the tree must not show the snapshot free
        pool.zfsCommand("hold", "other-tool", base.snapshot("a").toString());
        boolean held = true;
        List<List<String>> commands = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        CommandLauncher local = CommandLauncher.local();
        ZfsCommandProvider recording = new ZfsCommandProvider("zfs", "zpool", java.time.Duration.ofMinutes(1), (argv, stdin) -> {
            commands.add(argv);
            return local.start(argv, stdin);
        }, provider.features());
        try {
            io.snapferry.dataset.DatasetTree tree = recording.listTree(base);

            assertThat(tree.datasets()).containsExactly(base, child);
            assertThat(tree.snapshots()).isEqualTo(provider.listSnapshotsBelow(base));
            assertThat(tree.holds().get(child.snapshot("a"))).containsExactly("snapferry-one");
            assertThat(tree.holds().get(base.snapshot("a"))).singleElement().asString()
                    .startsWith(ZfsCommandProvider.UNNAMED_HOLD);
            assertThat(tree.holds()).hasSize(2);
            // one listing, and a check of the one snapshot whose holds the record does not account for
            assertThat(commands.get(0)).contains("get", "-r", base.value());
            assertThat(commands.subList(1, commands.size())).allSatisfy(argv -> assertThat(argv).contains(base.snapshot("a").toString()));
            commands.clear();
            pool.zfsCommand("release", "other-tool", base.snapshot("a").toString());
            held = false;
            assertThat(recording.listTree(base).holds()).containsOnlyKeys(child.snapshot("a"));
            assertThat(commands).hasSize(1);
        } finally {
            if (held) {
                pool.zfsCommand("release", "other-tool", base.snapshot("a").toString());
            }
        }
    }

    @Test
    void manySnapshotsAreReceivedUnmountedWhetherOrNotTheTargetHasAMountpoint() throws IOException {
        DatasetName src = scratch();
        for (int i = 1; i <= 4; i++) {
            write(src, "f", random(1000, i));
            provider.createSnapshots(List.of(src.snapshot("s" + i)));
        }
        DatasetName hidden = pool.root().child("z" + N.incrementAndGet() + "-none");
        provider.createDataset(hidden);
        pool.zfsCommand("set", "mountpoint=none", hidden.value());
        DatasetName visible = pool.root().child("z" + N.incrementAndGet() + "-mounted");
        provider.createDataset(visible);
        byte[] full = sendAll(SendRequest.full(src.snapshot("s1")));
        byte[] rest = sendAll(SendRequest.incremental(src.snapshot("s1"), src.snapshot("s4"), true));
        List<List<String>> receives = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        CommandLauncher local = CommandLauncher.local();
        ZfsCommandProvider recording = new ZfsCommandProvider("zfs", "zpool", java.time.Duration.ofMinutes(1), (argv, stdin) -> {
            if (argv.size() > 1 && argv.get(1).equals("receive") && argv.get(argv.size() - 1).endsWith("/copy")) {
                receives.add(argv);
            }
            return local.start(argv, stdin);
        });
        for (DatasetName parent : List.of(hidden, visible)) {
            DatasetName dst = parent.child("copy");
            recording.receive(dst, new ByteArrayInputStream(full), ReceiveOptions.defaults());
            ReceiveResult r = recording.receive(dst, new ByteArrayInputStream(rest), ReceiveOptions.defaults().withRollback(true));
            assertThat(r.received()).extracting(SnapshotName::name).containsExactly("s2", "s3", "s4");
            assertThat(pool.zfsCommand("get", "-H", "-o", "value", "mounted", dst.value()).strip()).as("%s mounted", dst)
                    .isEqualTo("no");
        }
        // -u everywhere but for the many snapshots (a compound stream without properties) below mountpoint=none
        assertThat(receives).extracting(argv -> argv.contains("-u")).containsExactly(true, false, true, true);
    }

    /** zfs-fuse would receive an incremental stream into whichever dataset has the base's GUID. */
    @Test
    void incrementalIntoAMissingTargetIsNotFoundAndTouchesNothing() throws IOException {
        DatasetName src = scratch();
        provider.createSnapshots(List.of(src.snapshot("s1")));
        write(src, "f", random(1000, 4));
        provider.createSnapshots(List.of(src.snapshot("s2")));
        DatasetName copy = src.child("copy");
        provider.receive(copy, new ByteArrayInputStream(sendAll(SendRequest.full(src.snapshot("s1")))), ReceiveOptions.defaults());
        byte[] inc = sendAll(SendRequest.incremental(src.snapshot("s1"), src.snapshot("s2"), false));

        DatasetName missing = src.child("missing");
        DatasetException e = catchThrowableOfType(DatasetException.class,
                () -> provider.receive(missing, new ByteArrayInputStream(inc), ReceiveOptions.defaults()));
        assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(provider.exists(missing)).isFalse();
        assertThat(provider.listSnapshots(copy)).extracting(Snapshot::shortName).containsExactly("s1");
    }

    @Test
    void garbageIsACorruptStreamBeforeZfsRuns() {
        DatasetName ds = scratch();
        DatasetException e = catchThrowableOfType(DatasetException.class,
                () -> provider.receive(ds.child("x"), new ByteArrayInputStream(random(1000, 5)), ReceiveOptions.defaults()));
        assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_STREAM);
        assertThat(provider.exists(ds.child("x"))).isFalse();
    }

    @Test
    void missingThingsAreNotFoundEverywhere() {
        DatasetName ds = scratch();
        DatasetName missing = ds.child("missing");
        assertThat(catchThrowableOfType(DatasetException.class, () -> provider.destroyDataset(missing, true)).code())
                .isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(catchThrowableOfType(DatasetException.class, () -> provider.send(SendRequest.full(ds.snapshot("nope"))))
                .code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(catchThrowableOfType(DatasetException.class, () -> provider.holds(ds.snapshot("nope"))).code())
                .isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(catchThrowableOfType(DatasetException.class, () -> provider.release(ds.snapshot("nope"), "t")).code())
                .isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(catchThrowableOfType(DatasetException.class, () -> provider.space("sftnosuchpool")).code())
                .isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(catchThrowableOfType(DatasetException.class,
                () -> provider.createDataset(DatasetName.of("sftnosuchpool/a"))).code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(catchThrowableOfType(DatasetException.class,
                () -> provider.createSnapshots(List.of(missing.snapshot("s")))).code()).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void aDatasetInUseIsBusy() throws IOException {
        DatasetName ds = scratch();
        write(ds, "open", random(10, 6));
        try (FileChannel open = FileChannel.open(pool.mounted(ds).resolve("open"), StandardOpenOption.READ)) {
            DatasetException e = catchThrowableOfType(DatasetException.class, () -> provider.destroyDataset(ds, true));
            assertThat(e.code()).isEqualTo(ErrorCode.BUSY);
            assertThat(open.isOpen()).isTrue();
        }
        assertThat(provider.exists(ds)).isTrue();
        // FUSE tells zfs-fuse about the close asynchronously: BUSY is transient, so retry
        Poll.until(Duration.ofSeconds(20), "destroy to succeed once the file is closed", () -> {
            try {
                provider.destroyDataset(ds, true);
                return true;
            } catch (DatasetException e) {
                assertThat(e.code()).isEqualTo(ErrorCode.BUSY);
                return false;
            }
        });
        assertThat(provider.exists(ds)).isFalse();
    }

    @Test
    void batchDestroySkipsSnapshotsWithClonesWithTheReason() {
        DatasetName ds = scratch();
        provider.createSnapshots(List.of(ds.snapshot("a")));
        provider.createSnapshots(List.of(ds.snapshot("b")));
        pool.zfsCommand("clone", ds.snapshot("a").toString(), ds.child("clone").value());
        DestroyResult r = provider.destroySnapshots(List.of(ds.snapshot("a"), ds.snapshot("b")));
        assertThat(r.destroyed()).containsExactly(ds.snapshot("b"));
        assertThat(r.skipped()).containsOnlyKeys(ds.snapshot("a"));
        assertThat(r.skipped().get(ds.snapshot("a"))).contains("busy").contains("dependent clones");
    }

    @Test
    void snapshotsOfPartOfATreeAreAtomicAndLeaveNoExtras() {
        DatasetName base = scratch();
        provider.createDataset(base.child("a"));
        provider.createDataset(base.child("b").child("c"));
        provider.createSnapshots(List.of(base.child("a").snapshot("x"), base.child("b").child("c").snapshot("x")));
        Snapshot a = provider.listSnapshots(base.child("a")).get(0);
        Snapshot c = provider.listSnapshots(base.child("b").child("c")).get(0);
        assertThat(a.createTxg()).isEqualTo(c.createTxg());
        assertThat(provider.listSnapshots(base)).isEmpty();
        assertThat(provider.listSnapshots(base.child("b"))).isEmpty();
        if (!provider.features().multiSnapshot()) {
            // one name per batch is what a recursive snapshot can do
            DatasetException e = catchThrowableOfType(DatasetException.class, () -> provider.createSnapshots(
                    List.of(base.child("a").snapshot("p"), base.child("b").snapshot("q"))));
            assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED);
            // a snapshot of that name on a dataset not asked for blocks the recursive snapshot
            provider.createSnapshots(List.of(base.child("b").snapshot("y")));
            e = catchThrowableOfType(DatasetException.class, () -> provider.createSnapshots(
                    List.of(base.child("a").snapshot("y"), base.child("b").child("c").snapshot("y"))));
            assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED);
            assertThat(e.getMessage()).contains(base.child("b").snapshot("y").toString());
            assertThat(provider.listSnapshots(base.child("a"))).extracting(Snapshot::shortName).containsExactly("x");
        }
    }

    @Test
    void holdsPlacedByOtherToolsAreNeverMissed() {
        DatasetName ds = scratch();
        SnapshotName s = ds.snapshot("s");
        provider.createSnapshots(List.of(s));
        provider.hold(s, "ours");
        pool.zfsCommand("hold", "theirs", s.toString());
        Set<String> holds = provider.holds(s);
        assertThat(holds).hasSize(2).contains("ours");
        if (!provider.features().holdsCommand()) {
            assertThat(holds).contains(ZfsCommandProvider.UNNAMED_HOLD + "1");
            // a tag released behind our back is noticed and forgotten
            pool.zfsCommand("release", "ours", s.toString());
            assertThat(provider.holds(s)).containsExactly(ZfsCommandProvider.UNNAMED_HOLD + "1");
        } else {
            assertThat(holds).contains("theirs");
            pool.zfsCommand("release", "ours", s.toString());
        }
        DestroyResult r = provider.destroySnapshots(List.of(s));
        assertThat(r.skipped().get(s)).contains("held");
        pool.zfsCommand("release", "theirs", s.toString());
        assertThat(provider.holds(s)).isEmpty();
        assertThat(catchThrowableOfType(DatasetException.class, () -> provider.hold(s, "-bad")).code())
                .isEqualTo(ErrorCode.INVALID_ARGUMENT);
    }

    @Test
    void writtenCountsOverwritesAndIsZeroRightAfterASnapshot() throws IOException {
        DatasetName ds = scratch();
        assertThat(provider.writtenSinceLastSnapshot(ds)).isPositive(); // no snapshot: everything
        write(ds, "f", random(512 * 1024, 7));
        provider.createSnapshots(List.of(ds.snapshot("s")));
        assertThat(provider.writtenSinceLastSnapshot(ds)).isLessThan(16 * 1024);
        write(ds, "f", random(512 * 1024, 8)); // same size, new content: referenced does not grow
        assertThat(provider.writtenSinceLastSnapshot(ds)).isGreaterThan(400 * 1024);
    }

    @Test
    void sendSizeEstimatesMatchTheStreamOrAreHonestlyUnknown() throws IOException {
        DatasetName ds = scratch();
        write(ds, "f", random(3 << 20, 11));
        provider.createSnapshots(List.of(ds.snapshot("a")));
        write(ds, "f", random(2 << 20, 12)); // overwrite: referenced stays near 3 MiB, the change is 2 MiB
        provider.createSnapshots(List.of(ds.snapshot("b")));
        SendRequest full = SendRequest.full(ds.snapshot("a"));
        SendRequest inc = SendRequest.incremental(ds.snapshot("a"), ds.snapshot("b"), false);
        long fullBytes = sendAll(full).length;
        long incBytes = sendAll(inc).length;

        OptionalLong fullEstimate = provider.estimateSendSize(full);
        assertThat(fullEstimate).isPresent();
        assertThat((double) fullEstimate.getAsLong()).isCloseTo(fullBytes, org.assertj.core.data.Percentage.withPercentage(10));
        OptionalLong incEstimate = provider.estimateSendSize(inc);
        ZfsFeatures f = provider.features();
        if (f.dryRunSend() || f.written()) {
            assertThat(incEstimate).isPresent();
            assertThat((double) incEstimate.getAsLong()).isCloseTo(incBytes, org.assertj.core.data.Percentage.withPercentage(10));
        } else {
            assertThat(incEstimate).isEmpty(); // zfs-fuse: neither send -n nor written@
        }
        DatasetException missing = catchThrowableOfType(DatasetException.class,
                () -> provider.estimateSendSize(SendRequest.full(ds.snapshot("nope"))));
        assertThat(missing.code()).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void dryRunOutputIsParsed() {
        assertThat(ZfsCommandProvider.dryRunSize("full\ttank/d@a\t3162920\nsize\t3162920\n")).hasValue(3162920);
        assertThat(ZfsCommandProvider.dryRunSize("incremental\ta\ttank/d@b\t100\nincremental\tb\ttank/d@c\t50\n")).hasValue(150);
        assertThat(ZfsCommandProvider.dryRunSize("would send nothing")).isEmpty();
    }

    @Test
    void rollbackPastAHeldSnapshotIsBusyAndDestroysNothing() throws IOException {
        DatasetName ds = scratch();
        provider.createSnapshots(List.of(ds.snapshot("a")));
        provider.createSnapshots(List.of(ds.snapshot("b")));
        provider.createSnapshots(List.of(ds.snapshot("c")));
        provider.hold(ds.snapshot("c"), "keep");
        assertThat(catchThrowableOfType(DatasetException.class, () -> provider.rollback(ds.snapshot("a"), true)).code())
                .isEqualTo(ErrorCode.BUSY);
        assertThat(provider.listSnapshots(ds)).extracting(Snapshot::shortName).containsExactly("a", "b", "c");
        provider.release(ds.snapshot("c"), "keep");
    }

    @Test
    void receivePropertiesAreAppliedEvenWithoutReceiveO() throws IOException {
        DatasetName src = scratch();
        provider.createSnapshots(List.of(src.snapshot("s")));
        DatasetName dst = src.child("copy");
        provider.receive(dst, new ByteArrayInputStream(sendAll(SendRequest.full(src.snapshot("s")))),
                new ReceiveOptions(false, false, Map.of("snapferry:origin", "box-a"), Set.of()));
        assertThat(pool.zfsCommand("get", "-H", "-o", "value", "snapferry:origin", dst.value()).strip()).isEqualTo("box-a");
    }

    @Test
    void listsDatasetsAndSpace() {
        DatasetName ds = scratch();
        provider.createDataset(ds.child("b"));
        provider.createDataset(ds.child("a").child("x"));
        assertThat(provider.listDatasets(Optional.of(ds))).extracting(d -> d.name().value())
                .containsExactly(ds.value(), ds + "/a", ds + "/a/x", ds + "/b");
        assertThat(provider.dataset(ds).mountpoint()).contains(pool.mountpointOf(ds).toString());
        assertThat(provider.listDatasets(Optional.empty())).extracting(d -> d.name()).contains(pool.root(), ds);
        PoolSpace space = provider.space(pool.name());
        assertThat(space.size()).isBetween(300L << 20, 512L << 20);
        assertThat(space.allocated() + space.free()).isEqualTo(space.size());
        assertThat(space.health()).isEqualTo("ONLINE");
        assertThat(provider.pools()).contains(pool.name());
    }
}
