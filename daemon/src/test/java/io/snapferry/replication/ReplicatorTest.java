package io.snapferry.replication;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetProvider;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.replication.plan.Plan;
import io.snapferry.testing.Poll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ReplicatorTest {
    private static final DatasetName DATA = DatasetName.of("src/data");
    private static final DatasetName BACKUP = DatasetName.of("dst/backup/data");
    private static final String CURSOR = "snapferry-repl-t1";
    private static final String STEP = "snapferry-step-t1";

    private final Clock clock = Clock.fixed(Instant.parse("2026-11-01T00:00:00Z"), ZoneOffset.UTC);
    private final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());
    private final List<Long> progress = Collections.synchronizedList(new ArrayList<>());
    private InMemoryDatasetProvider src;
    private InMemoryDatasetProvider dst;
    private LocalEndpoint source;
    private LocalEndpoint target;
    @TempDir
    Path tmp;

    @BeforeEach
    void setUp() {
        src = new InMemoryDatasetProvider(clock, "src");
        dst = new InMemoryDatasetProvider(clock, "dst");
        separateGuids(dst);
        src.createDataset(DATA);
        source = new LocalEndpoint("box-a", src, tmp.resolve("a"));
        target = new LocalEndpoint("box-b", dst, tmp.resolve("b"));
    }

    /**
     * Each fake numbers its GUIDs from the same counter, so two fakes would share GUIDs by accident
     * (real GUIDs are random 64-bit numbers). Moving one counter far ahead keeps the boxes apart.
     */
    static void separateGuids(InMemoryDatasetProvider p) {
        DatasetName burn = DatasetName.of(p.pools().get(0) + "/guid-offset");
        for (int i = 0; i < 1000; i++) {
            p.createDataset(burn);
            p.destroyDataset(burn, false);
        }
    }

    private Replicator replicator(Duration stallTimeout) {
        return new Replicator(new Replicator.Settings(Duration.ofSeconds(1), Duration.ofSeconds(8), stallTimeout),
                sleeps::add, StreamTransform.IDENTITY);
    }

    private static ReplicationSpec spec(boolean allowFromScratch, int retries) {
        return new ReplicationSpec("t1", List.of(DATA), BACKUP, false, Set.of(), n -> n.startsWith("auto-"),
                allowFromScratch, retries);
    }

    private ReplicationResult run(ReplicationSpec spec, Endpoint from) {
        return replicator(Duration.ofSeconds(30)).run(spec, from, target, (d, s, b, t) -> progress.add(b), clock);
    }

    private void snap(InMemoryDatasetProvider p, DatasetName ds, String... names) {
        for (String n : names) {
            p.write(ds, "file-" + n, ("content of " + ds + "@" + n).getBytes(StandardCharsets.UTF_8));
            p.createSnapshots(List.of(ds.snapshot(n)));
        }
    }

    private static Map<String, Long> guids(InMemoryDatasetProvider p, DatasetName ds) {
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        p.listSnapshots(ds).forEach(s -> out.put(s.shortName(), s.guid()));
        return out;
    }

    private static Map<String, Set<String>> holds(InMemoryDatasetProvider p, DatasetName ds) {
        Map<String, Set<String>> out = new HashMap<>();
        for (Snapshot s : p.listSnapshots(ds)) {
            if (s.holds() > 0) {
                out.put(s.shortName(), p.holds(s.name()));
            }
        }
        return out;
    }

    @Test
    void fullThenIncrementalWithIntermediates() {
        snap(src, DATA, "auto-1");
        ReplicationResult first = run(spec(false, 0), source);

        assertThat(first.ok()).as(first.toString()).isTrue();
        DatasetResult r1 = first.datasets().get(0);
        assertThat(r1.plan().orElseThrow()).isInstanceOf(Plan.Steps.class);
        assertThat(r1.received()).containsExactly(BACKUP.snapshot("auto-1"));
        assertThat(r1.bytes()).isPositive();
        assertThat(guids(dst, BACKUP)).isEqualTo(guids(src, DATA));

        snap(src, DATA, "auto-2", "auto-3", "auto-4");
        ReplicationResult second = run(spec(false, 0), source);

        DatasetResult r2 = second.datasets().get(0);
        assertThat(r2.failure()).isEmpty();
        assertThat(r2.plan().orElseThrow().steps()).singleElement()
                .satisfies(s -> assertThat(s.toString()).isEqualTo("-I @auto-1 @auto-4"));
        assertThat(r2.received()).extracting(SnapshotName::name).containsExactly("auto-2", "auto-3", "auto-4");
        assertThat(guids(dst, BACKUP)).isEqualTo(guids(src, DATA));
        assertThat(dst.snapshotFiles(BACKUP.snapshot("auto-3")).keySet())
                .isEqualTo(src.snapshotFiles(DATA.snapshot("auto-3")).keySet());
        assertThat(progress).isNotEmpty().allSatisfy(b -> assertThat(b).isNotNegative()); // 0 when a step starts
        assertThat(progress).anySatisfy(b -> assertThat(b).isPositive());

        ReplicationResult third = run(spec(false, 0), source);
        assertThat(third.datasets().get(0).plan().orElseThrow()).isInstanceOf(Plan.UpToDate.class);
        assertThat(third.datasets().get(0).received()).isEmpty();
    }

    @Test
    void ineligibleSnapshotsAreHoppedOver() {
        snap(src, DATA, "auto-1", "manual-2", "auto-3", "manual-4");
        ReplicationResult r = run(spec(false, 0), source);

        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(guids(dst, BACKUP).keySet()).containsExactly("auto-1", "auto-3");
        assertThat(guids(dst, BACKUP).get("auto-3")).isEqualTo(guids(src, DATA).get("auto-3"));
    }

    @Test
    void recursiveWithExcludeParentsFirst() {
        for (String child : List.of("a", "b", "b/c", "x", "x/y")) {
            src.createDataset(DATA.resolve(child));
        }
        List<SnapshotName> all = new ArrayList<>();
        src.datasetNames().stream().filter(DATA::contains).forEach(d -> all.add(d.snapshot("auto-1")));
        src.createSnapshots(all);
        all.replaceAll(s -> s.dataset().snapshot("auto-2"));
        src.createSnapshots(all);

        ReplicationSpec spec = new ReplicationSpec("t1", List.of(DATA), BACKUP, true, Set.of(DATA.child("x")),
                n -> n.startsWith("auto-"), false, 0);
        ReplicationResult r = run(spec, source);

        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(r.datasets()).extracting(d -> d.source().value())
                .containsExactly("src/data", "src/data/a", "src/data/b", "src/data/b/c");
        assertThat(r.datasets()).extracting(d -> d.target().value())
                .containsExactly("dst/backup/data", "dst/backup/data/a", "dst/backup/data/b", "dst/backup/data/b/c");
        for (String child : List.of("", "a", "b", "b/c")) {
            assertThat(guids(dst, BACKUP.resolve(child))).isEqualTo(guids(src, DATA.resolve(child)));
        }
        assertThat(dst.datasetNames()).doesNotContain(BACKUP.child("x"), BACKUP.resolve("x/y"));
    }

    @Test
    void divergedTargetIsRefusedAndLeftUntouched() {
        snap(src, DATA, "auto-1");
        assertThat(run(spec(false, 0), source).ok()).isTrue();
        snap(dst, BACKUP, "local-1");
        snap(src, DATA, "auto-2");
        Map<String, Long> before = guids(dst, BACKUP);

        ReplicationResult r = run(spec(true, 3), source);

        DatasetResult d = r.datasets().get(0);
        assertThat(d.plan().orElseThrow()).isInstanceOf(Plan.Diverged.class);
        assertThat(d.failure().orElseThrow().reason()).isEqualTo(DatasetFailure.Reason.PLAN_REFUSED);
        assertThat(d.failure().orElseThrow().message()).contains("local-1");
        assertThat(d.attempts()).isEqualTo(1);
        assertThat(sleeps).isEmpty();
        assertThat(guids(dst, BACKUP)).isEqualTo(before);
    }

    @Test
    void noCommonSnapshotIsRefusedUnlessFromScratchIsAllowed() {
        dst.createDataset(BACKUP);
        snap(dst, BACKUP, "old-1", "old-2");
        snap(src, DATA, "auto-1", "auto-2");
        Map<String, Long> before = guids(dst, BACKUP);

        ReplicationResult refused = run(spec(false, 0), source);

        DatasetResult d = refused.datasets().get(0);
        assertThat(d.plan().orElseThrow()).isInstanceOf(Plan.NoCommonSnapshot.class);
        assertThat(d.failure().orElseThrow().reason()).isEqualTo(DatasetFailure.Reason.PLAN_REFUSED);
        assertThat(d.failure().orElseThrow().message()).contains("allow from-scratch");
        assertThat(guids(dst, BACKUP)).isEqualTo(before);

        ReplicationResult replaced = run(spec(true, 0), source);

        DatasetResult ok = replaced.datasets().get(0);
        assertThat(ok.failure()).isEmpty();
        assertThat(((Plan.FromScratch) ok.plan().orElseThrow()).replaced()).extracting(s -> s.name())
                .containsExactly("old-1", "old-2");
        assertThat(guids(dst, BACKUP)).isEqualTo(guids(src, DATA));
        assertThat(holds(dst, BACKUP)).isEqualTo(Map.of("auto-2", Set.of(CURSOR)));
    }

    @Test
    void unsnapshottedDataOnTheTargetIsRefusedUnlessFromScratchIsAllowed() {
        dst.createDataset(BACKUP);
        dst.write(BACKUP, "precious", new byte[] {1, 2, 3});
        snap(src, DATA, "auto-1");

        DatasetResult refused = run(spec(false, 0), source).datasets().get(0);
        assertThat(refused.plan().orElseThrow()).isInstanceOf(Plan.TargetHasUnsnapshottedData.class);
        assertThat(dst.read(BACKUP, "precious")).containsExactly(1, 2, 3);

        DatasetResult replaced = run(spec(true, 0), source).datasets().get(0);
        assertThat(replaced.failure()).isEmpty();
        assertThat(guids(dst, BACKUP)).isEqualTo(guids(src, DATA));
        assertThat(dst.read(BACKUP, "precious")).isNull();
    }

    /** DATA with {@code children} child datasets, each (and DATA) with snapshots auto-1..auto-{@code snapshots}. */
    private List<DatasetName> tree(int children, int snapshots) {
        for (int i = 0; i < children; i++) {
            src.createDataset(DATA.child("c" + i));
        }
        List<DatasetName> all = src.datasetNames().stream().filter(DATA::contains).toList();
        for (int n = 1; n <= snapshots; n++) {
            int k = n;
            src.createSnapshots(all.stream().map(d -> d.snapshot("auto-" + k)).toList());
        }
        return all;
    }

    private static ReplicationSpec recursive() {
        return new ReplicationSpec("t1", List.of(DATA), BACKUP, true, Set.of(), n -> n.startsWith("auto-"), false, 0);
    }

    @Test
    void aRecursiveRunWithNothingToDoListsEachSideOnceWhateverTheNumberOfDatasets() {
        List<DatasetName> all = tree(12, 3);
        assertThat(run(recursive(), source).ok()).isTrue();

        CountingEndpoint from = new CountingEndpoint(source);
        CountingEndpoint to = new CountingEndpoint(target);
        ReplicationResult r = replicator(Duration.ofSeconds(30)).run(recursive(), from, to, ProgressListener.NONE, clock);

        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(r.datasets()).hasSize(13).allSatisfy(d -> {
            assertThat(d.plan().orElseThrow()).isInstanceOf(Plan.UpToDate.class);
            assertThat(d.received()).isEmpty();
        });
        // One look at the tree per side (datasets, snapshots, holds), for 13 datasets: no other listing,
        // and no per-dataset listing, hold, release or hold lookup (the cursors are already in place).
        assertThat(from.calls()).isEqualTo(Map.of("listTree", 1));
        assertThat(to.calls()).containsEntry("listTree", 1).containsEntry("ownership", 1)
                .doesNotContainKeys("listDatasets", "listSnapshotsBelow", "holdsOf", "listSnapshots", "hold", "release", "holds",
                        "send", "receive", "claim", "createParents");
        assertThat(to.calls()).doesNotContainKeys("resumeToken", "abortResumableReceive");
        for (DatasetName d : all) {
            DatasetName b = BACKUP.resolve(d.value().substring(DATA.value().length()).replaceFirst("^/", ""));
            assertThat(holds(src, d)).isEqualTo(Map.of("auto-3", Set.of(CURSOR)));
            assertThat(holds(dst, b)).isEqualTo(Map.of("auto-3", Set.of(CURSOR)));
        }
    }

    /** An endpoint whose tree listing waits (up to 10 s) until {@code other} has started; records whether it had. */
    private static Endpoint listingWaitsFor(Endpoint delegate, String side, CountDownLatch mine, CountDownLatch other,
                                            List<String> overlapped) {
        return new FaultyEndpoint(delegate, (n, request, real) -> real) {
            @Override
            public io.snapferry.dataset.DatasetTree listTree(DatasetName root) {
                mine.countDown();
                try {
                    if (other.await(10, TimeUnit.SECONDS)) {
                        overlapped.add(side);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.listTree(root);
            }
        };
    }

    @Test
    void theTargetsTreeIsListedWhileTheSourcesIs() {
        tree(3, 2);
        assertThat(run(recursive(), source).ok()).isTrue();
        snap(src, DATA.child("c1"), "auto-3");
        CountDownLatch sourceListing = new CountDownLatch(1);
        CountDownLatch targetListing = new CountDownLatch(1);
        List<String> overlapped = Collections.synchronizedList(new ArrayList<>());
        Endpoint from = listingWaitsFor(source, "source", sourceListing, targetListing, overlapped);
        Endpoint to = listingWaitsFor(target, "target", targetListing, sourceListing, overlapped);

        ReplicationResult r = replicator(Duration.ofSeconds(30)).run(recursive(), from, to, ProgressListener.NONE, clock);

        // Listed one after the other, the first listing would wait in vain for the second to start.
        assertThat(overlapped).containsExactlyInAnyOrder("source", "target");
        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(r.datasets()).filteredOn(d -> !d.received().isEmpty()).singleElement()
                .satisfies(d -> assertThat(d.received()).containsExactly(BACKUP.child("c1").snapshot("auto-3")));
    }

    /** An endpoint whose placing of {@code tag} waits (up to 10 s) until {@code other} has started one; records whether it had. */
    private static Endpoint holdWaitsFor(Endpoint delegate, String side, String tag, CountDownLatch mine, CountDownLatch other,
                                         List<String> overlapped) {
        return new FaultyEndpoint(delegate, (n, request, real) -> real) {
            @Override
            public void hold(SnapshotName snapshot, String t) {
                if (t.equals(tag)) {
                    mine.countDown();
                    try {
                        if (other.await(10, TimeUnit.SECONDS)) {
                            overlapped.add(side);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                super.hold(snapshot, t);
            }
        };
    }

    @Test
    void workInTheBackgroundLogsWithTheCallersContext() {
        org.slf4j.MDC.put("task", "t-ctx");
        try {
            assertThat(Replicator.inBackground("ctx", () -> org.slf4j.MDC.get("task")).join()).isEqualTo("t-ctx");
        } finally {
            org.slf4j.MDC.remove("task");
        }
        assertThat(Replicator.inBackground("ctx", () -> String.valueOf(org.slf4j.MDC.get("task"))).join()).isEqualTo("null");
    }

    /** A target that reports a partial receive into {@code BACKUP} until it is aborted; records the aborts. */
    private Endpoint withPartialReceive(List<DatasetName> aborted) {
        return new FaultyEndpoint(target, (n, request, real) -> real) {
            @Override
            public java.util.Optional<String> resumeToken(DatasetName dataset) {
                return dataset.equals(BACKUP) && aborted.isEmpty() ? java.util.Optional.of("1-token") : super.resumeToken(dataset);
            }

            @Override
            public void abortResumableReceive(DatasetName dataset) {
                aborted.add(dataset);
                super.abortResumableReceive(dataset);
            }
        };
    }

    @Test
    void aPartialReceiveLeftByAnInterruptedRunIsDiscardedBeforeTheNextStepOnly() {
        snap(src, DATA, "auto-1");
        assertThat(run(spec(false, 0), source).ok()).isTrue();
        List<DatasetName> aborted = Collections.synchronizedList(new ArrayList<>());

        ReplicationResult upToDate = replicator(Duration.ofSeconds(30)).run(spec(false, 0), source, withPartialReceive(aborted),
                ProgressListener.NONE, clock);
        assertThat(upToDate.ok()).as(upToDate.toString()).isTrue();
        assertThat(aborted).as("nothing to send: the target is not asked").isEmpty();

        snap(src, DATA, "auto-2");
        ReplicationResult next = replicator(Duration.ofSeconds(30)).run(spec(false, 0), source, withPartialReceive(aborted),
                ProgressListener.NONE, clock);
        assertThat(next.ok()).as(next.toString()).isTrue();
        assertThat(aborted).containsExactly(BACKUP);
        assertThat(next.datasets().get(0).received()).containsExactly(BACKUP.snapshot("auto-2"));
    }

    @Test
    void eachDatasetsResultSaysHowNewTheTargetsNewestSnapshotIsWithoutAskingItAgain() {
        io.snapferry.testing.MutableClock time = new io.snapferry.testing.MutableClock(Instant.parse("2026-11-01T00:00:00Z"), ZoneOffset.UTC);
        InMemoryDatasetProvider a = new InMemoryDatasetProvider(time, "src");
        InMemoryDatasetProvider b = new InMemoryDatasetProvider(time, "dst");
        separateGuids(b);
        a.createDataset(DATA);
        LocalEndpoint from = new LocalEndpoint("box-a", a, tmp.resolve("ta"));
        snap(a, DATA, "auto-1");
        time.advance(Duration.ofHours(1));
        snap(a, DATA, "auto-2");
        Instant second = time.instant();

        DatasetResult first = replicator(Duration.ofSeconds(30)).run(spec(false, 0), from,
                new LocalEndpoint("box-b", b, tmp.resolve("tb")), ProgressListener.NONE, clock).datasets().get(0);
        assertThat(first.newestOnTarget()).hasValue(second);

        time.advance(Duration.ofHours(1));
        CountingEndpoint to = new CountingEndpoint(new LocalEndpoint("box-b", b, tmp.resolve("tb")));
        DatasetResult upToDate = replicator(Duration.ofSeconds(30)).run(spec(false, 0), from, to, ProgressListener.NONE, clock)
                .datasets().get(0);
        assertThat(upToDate.newestOnTarget()).as("from the target's listing").hasValue(second);
        assertThat(to.calls()).containsEntry("listSnapshots", 1);
    }

    @Test
    void afterAStepTheCursorMovesOnBothSidesAtOnce() {
        snap(src, DATA, "auto-1");
        assertThat(run(spec(false, 0), source).ok()).isTrue();
        snap(src, DATA, "auto-2");
        CountDownLatch onSource = new CountDownLatch(1);
        CountDownLatch onTarget = new CountDownLatch(1);
        List<String> overlapped = Collections.synchronizedList(new ArrayList<>());
        Endpoint from = holdWaitsFor(source, "source", CURSOR, onSource, onTarget, overlapped);
        Endpoint to = holdWaitsFor(target, "target", CURSOR, onTarget, onSource, overlapped);

        ReplicationResult r = replicator(Duration.ofSeconds(30)).run(spec(false, 0), from, to, ProgressListener.NONE, clock);

        // Placed one after the other, the first hold would wait in vain for the second to start.
        assertThat(overlapped).containsExactlyInAnyOrder("source", "target");
        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(holds(src, DATA)).isEqualTo(Map.of("auto-2", Set.of(CURSOR)));
        assertThat(holds(dst, BACKUP)).isEqualTo(Map.of("auto-2", Set.of(CURSOR)));
    }

    @Test
    void aStepHoldIsReleasedWhileTheCursorMovesAndNothingIsLeftHeldButTheCursor() {
        snap(src, DATA, "auto-1");
        assertThat(run(spec(false, 0), source).ok()).isTrue();
        // the cursor gone from the base, as after a run by an older version: the step needs step holds
        src.release(DATA.snapshot("auto-1"), CURSOR);
        dst.release(BACKUP.snapshot("auto-1"), CURSOR);
        snap(src, DATA, "auto-2");
        CountDownLatch cursorPlacing = new CountDownLatch(1);
        List<String> overlapped = Collections.synchronizedList(new ArrayList<>());
        Endpoint from = new FaultyEndpoint(source, (n, request, real) -> real) {
            @Override
            public void hold(SnapshotName snapshot, String tag) {
                if (tag.equals(CURSOR)) {
                    cursorPlacing.countDown();
                }
                super.hold(snapshot, tag);
            }

            @Override
            public void release(SnapshotName snapshot, String tag) {
                if (tag.equals(STEP)) {
                    try {
                        // released before the cursor moves, this would wait in vain
                        if (cursorPlacing.await(10, TimeUnit.SECONDS)) {
                            overlapped.add(snapshot.name());
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                super.release(snapshot, tag);
            }
        };

        ReplicationResult r = replicator(Duration.ofSeconds(30)).run(spec(false, 0), from, target, ProgressListener.NONE, clock);

        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(overlapped).containsExactly("auto-1");
        assertThat(holds(src, DATA)).isEqualTo(Map.of("auto-2", Set.of(CURSOR)));
        assertThat(holds(dst, BACKUP)).isEqualTo(Map.of("auto-2", Set.of(CURSOR)));
    }

    @Test
    void aFailingLookAtTheTargetsTreeFallsBackToListingEachDataset() {
        tree(2, 2);
        assertThat(run(recursive(), source).ok()).isTrue();
        snap(src, DATA.child("c0"), "auto-3");
        CountingEndpoint counted = new CountingEndpoint(target);
        Endpoint to = new FaultyEndpoint(counted, (n, request, real) -> real) {
            @Override
            public io.snapferry.dataset.DatasetTree listTree(DatasetName root) {
                throw new DatasetException(ErrorCode.BUSY, "the pool is busy");
            }
        };

        ReplicationResult r = replicator(Duration.ofSeconds(30)).run(recursive(), source, to, ProgressListener.NONE, clock);

        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(r.datasets()).filteredOn(d -> !d.received().isEmpty()).singleElement()
                .satisfies(d -> assertThat(d.received()).containsExactly(BACKUP.child("c0").snapshot("auto-3")));
        // each of the three datasets listed for itself (its cursor move lists it once more)
        assertThat(counted.calls().get("listSnapshots")).isEqualTo(6);
    }

    @Test
    void aRunOfOneDatasetWithNothingToDoListsTheSourceOnce() {
        snap(src, DATA, "auto-1", "auto-2");
        assertThat(run(spec(false, 0), source).ok()).isTrue();

        CountingEndpoint from = new CountingEndpoint(source);
        CountingEndpoint to = new CountingEndpoint(target);
        ReplicationResult r = replicator(Duration.ofSeconds(30)).run(spec(false, 0), from, to, ProgressListener.NONE, clock);

        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(r.datasets()).singleElement().satisfies(d -> assertThat(d.plan().orElseThrow()).isInstanceOf(Plan.UpToDate.class));
        assertThat(from.calls()).isEqualTo(Map.of("listSnapshots", 1, "holdsOf", 1));
        assertThat(to.calls()).containsEntry("listSnapshots", 1).containsEntry("holdsOf", 1)
                .doesNotContainKeys("listDatasets", "hold", "release", "holds", "send", "receive", "claim");
    }

    @Test
    void aRunWithNothingToDoPutsMissingOrMisplacedCursorsRightAndReleasesLeftoverStepHolds() {
        tree(3, 3);
        assertThat(run(recursive(), source).ok()).isTrue();
        DatasetName c0 = DATA.child("c0");
        DatasetName c1 = DATA.child("c1");
        DatasetName c2 = DATA.child("c2");
        // c0: its cursor is gone on the target (released by hand).
        dst.release(BACKUP.child("c0").snapshot("auto-3"), CURSOR);
        // c1: the cursor sits on an older snapshot on the source, as a crash in the middle of a move leaves it.
        src.release(c1.snapshot("auto-3"), CURSOR);
        src.hold(c1.snapshot("auto-1"), CURSOR);
        // c2: a step hold left behind on both sides, and another tool's hold that must stay.
        src.hold(c2.snapshot("auto-3"), STEP);
        dst.hold(BACKUP.child("c2").snapshot("auto-3"), STEP);
        src.hold(c2.snapshot("auto-2"), "someone-else");

        CountingEndpoint from = new CountingEndpoint(source);
        ReplicationResult r = replicator(Duration.ofSeconds(30)).run(recursive(), from, target, ProgressListener.NONE, clock);

        assertThat(r.ok()).as(r.toString()).isTrue();
        for (DatasetName d : List.of(DATA, c0, c1)) {
            assertThat(holds(src, d)).as("source %s", d).isEqualTo(Map.of("auto-3", Set.of(CURSOR)));
        }
        for (DatasetName d : List.of(BACKUP, BACKUP.child("c0"), BACKUP.child("c1"), BACKUP.child("c2"))) {
            assertThat(holds(dst, d)).as("target %s", d).isEqualTo(Map.of("auto-3", Set.of(CURSOR)));
        }
        assertThat(holds(src, c2)).isEqualTo(Map.of("auto-3", Set.of(CURSOR), "auto-2", Set.of("someone-else")));
        // Only what was wrong was touched on the source: c1's cursor placed and its old one released, c2's step hold released.
        assertThat(from.calls()).containsEntry("hold", 1).containsEntry("release", 2).doesNotContainKey("listSnapshots");
    }

    @Test
    void cursorHoldsMoveWithTheReplicationAndStepHoldsOnlyLastAStep() {
        snap(src, DATA, "auto-1");
        run(spec(false, 0), source);
        assertThat(holds(src, DATA)).isEqualTo(Map.of("auto-1", Set.of(CURSOR)));
        assertThat(holds(dst, BACKUP)).isEqualTo(Map.of("auto-1", Set.of(CURSOR)));

        snap(src, DATA, "auto-2", "auto-3");
        Map<String, Set<String>> duringStep = new HashMap<>();
        FaultyEndpoint watching = new FaultyEndpoint(source, (n, req, real) -> {
            duringStep.put("source", src.holds(DATA.snapshot("auto-1")));
            duringStep.put("target", dst.holds(BACKUP.snapshot("auto-1")));
            return real;
        });
        assertThat(run(spec(false, 0), watching).ok()).isTrue();

        // The cursor on the base protects it during the step: no step hold is needed.
        assertThat(duringStep).isEqualTo(Map.of("source", Set.of(CURSOR), "target", Set.of(CURSOR)));
        assertThat(holds(src, DATA)).isEqualTo(Map.of("auto-3", Set.of(CURSOR)));
        assertThat(holds(dst, BACKUP)).isEqualTo(Map.of("auto-3", Set.of(CURSOR)));
        assertThat(ReplicationHolds.heldByReplication(target, BACKUP))
                .isEqualTo(Map.of(BACKUP.snapshot("auto-3"), Set.of(CURSOR)));
        assertThat(ReplicationHolds.heldByReplication(src.holds(DATA.snapshot("auto-3")))).isTrue();
        assertThat(ReplicationHolds.heldByReplication(src.holds(DATA.snapshot("auto-2")))).isFalse();

        // A failed step releases its step holds and leaves the cursor where it was.
        snap(src, DATA, "auto-4");
        FaultyEndpoint failing = new FaultyEndpoint(source, (n, req, real) -> new FailingStream(real, 5));
        ReplicationResult failed = run(spec(false, 0), failing);

        assertThat(failed.ok()).isFalse();
        assertThat(failed.datasets().get(0).failure().orElseThrow().reason()).isEqualTo(DatasetFailure.Reason.TRANSPORT_ERROR);
        assertThat(holds(src, DATA)).isEqualTo(Map.of("auto-3", Set.of(CURSOR)));
        assertThat(holds(dst, BACKUP)).isEqualTo(Map.of("auto-3", Set.of(CURSOR)));
        assertThat(guids(dst, BACKUP)).doesNotContainKey("auto-4");
    }

    @Test
    void aBaseWithoutTheCursorIsHeldForTheStepAndReleasedAfter() throws IOException {
        snap(src, DATA, "auto-1");
        // The target was seeded by hand: it shares auto-1 but no cursor holds it anywhere.
        dst.createDataset(BACKUP.parent());
        try (InputStream in = src.send(io.snapferry.dataset.SendRequest.full(DATA.snapshot("auto-1")))) {
            dst.receive(BACKUP, in, io.snapferry.dataset.ReceiveOptions.defaults());
        }
        snap(src, DATA, "auto-2");
        Map<String, Set<String>> duringStep = new HashMap<>();
        FaultyEndpoint watching = new FaultyEndpoint(source, (n, req, real) -> {
            duringStep.put("source", src.holds(DATA.snapshot("auto-1")));
            duringStep.put("target", dst.holds(BACKUP.snapshot("auto-1")));
            return real;
        });

        ReplicationResult r = run(spec(false, 0), watching);

        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(r.datasets().get(0).received()).containsExactly(BACKUP.snapshot("auto-2"));
        assertThat(duringStep).isEqualTo(Map.of("source", Set.of(STEP), "target", Set.of(STEP)));
        assertThat(holds(src, DATA)).isEqualTo(Map.of("auto-2", Set.of(CURSOR)));
        assertThat(holds(dst, BACKUP)).isEqualTo(Map.of("auto-2", Set.of(CURSOR)));
    }

    @Test
    void aRetryPlansFromAFreshListingAndHoldsItsBaseForTheStep() {
        snap(src, DATA, "auto-1");
        run(spec(false, 0), source);
        snap(src, DATA, "auto-2");
        Map<Integer, Set<String>> duringSend = new HashMap<>();
        FaultyEndpoint failingOnce = new FaultyEndpoint(source, (n, req, real) -> {
            duringSend.put(n, src.holds(DATA.snapshot("auto-1")));
            return n == 1 ? new FailingStream(real, 5) : real;
        });

        ReplicationResult r = run(spec(false, 1), failingOnce);

        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(r.datasets().get(0).attempts()).isEqualTo(2);
        assertThat(duringSend).isEqualTo(Map.of(1, Set.of(CURSOR), 2, Set.of(CURSOR, STEP)));
        assertThat(holds(src, DATA)).isEqualTo(Map.of("auto-2", Set.of(CURSOR)));
        assertThat(holds(dst, BACKUP)).isEqualTo(Map.of("auto-2", Set.of(CURSOR)));
    }

    @Test
    void leftoverStepHoldsAreReleasedOnTheNextRun() {
        snap(src, DATA, "auto-1");
        run(spec(false, 0), source);
        src.hold(DATA.snapshot("auto-1"), STEP);
        dst.hold(BACKUP.snapshot("auto-1"), STEP);

        assertThat(run(spec(false, 0), source).ok()).isTrue();

        assertThat(holds(src, DATA)).isEqualTo(Map.of("auto-1", Set.of(CURSOR)));
        assertThat(holds(dst, BACKUP)).isEqualTo(Map.of("auto-1", Set.of(CURSOR)));
    }

    @Test
    void aTargetOwnedByAnotherSourceIsRefused() {
        snap(src, DATA, "auto-1");
        assertThat(run(spec(false, 0), source).ok()).isTrue();
        assertThat(new LocalEndpoint("box-b", dst, tmp.resolve("b")).ownership(BACKUP))
                .contains(new Ownership("box-a", "t1"));

        InMemoryDatasetProvider other = new InMemoryDatasetProvider(clock, "src");
        separateGuids(other);
        separateGuids(other);
        other.createDataset(DATA);
        snap(other, DATA, "auto-9");
        Map<String, Long> before = guids(dst, BACKUP);

        ReplicationResult r = run(spec(true, 0), new LocalEndpoint("box-c", other, tmp.resolve("c")));

        DatasetResult d = r.datasets().get(0);
        assertThat(d.failure().orElseThrow().reason()).isEqualTo(DatasetFailure.Reason.OWNED_BY_OTHER);
        assertThat(d.failure().orElseThrow().message()).isEqualTo("target dst/backup/data is owned by box-a/t1; "
                + "run 'snapferry replication reinitialize t1' to take it over");
        assertThat(guids(dst, BACKUP)).isEqualTo(before);

        ReplicationSpec otherTask = new ReplicationSpec("t2", List.of(DATA), BACKUP, false, Set.of(), n -> true, false, 0);
        assertThat(run(otherTask, source).datasets().get(0).failure().orElseThrow().reason())
                .isEqualTo(DatasetFailure.Reason.OWNED_BY_OTHER);
    }

    @Test
    void aFailingStreamIsRetriedAndTheRetryPlansAgain() {
        snap(src, DATA, "auto-1", "auto-2");
        FaultyEndpoint flaky = new FaultyEndpoint(source, (n, req, real) -> n == 1 ? new FailingStream(real, 10) : real);

        ReplicationResult r = run(spec(false, 3), flaky);

        DatasetResult d = r.datasets().get(0);
        assertThat(d.failure()).isEmpty();
        assertThat(d.attempts()).isEqualTo(2);
        assertThat(sleeps).containsExactly(Duration.ofSeconds(1));
        assertThat(guids(dst, BACKUP)).isEqualTo(guids(src, DATA));
    }

    @Test
    void retriesStopAfterTheConfiguredNumberWithExponentialBackoff() {
        snap(src, DATA, "auto-1");
        FaultyEndpoint broken = new FaultyEndpoint(source, (n, req, real) -> new FailingStream(real, 0));

        DatasetResult d = run(spec(false, 4), broken).datasets().get(0);

        assertThat(d.attempts()).isEqualTo(5);
        assertThat(sleeps).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(8));
        assertThat(d.failure().orElseThrow().retryable()).isTrue();
        assertThat(dst.datasetNames()).doesNotContain(BACKUP);
    }

    @Test
    void permanentErrorsAreNotRetried() {
        snap(src, DATA, "auto-1");
        FaultyEndpoint refusing = new FaultyEndpoint(source, (n, req, real) -> {
            throw new io.snapferry.dataset.DatasetException(ErrorCode.PERMISSION, "not allowed to send");
        });

        DatasetResult d = run(spec(false, 4), refusing).datasets().get(0);

        assertThat(d.attempts()).isEqualTo(1);
        assertThat(sleeps).isEmpty();
        assertThat(d.failure().orElseThrow().code()).contains(ErrorCode.PERMISSION);
    }

    @Test
    void theStallWatchdogAbortsATransferThatStopsMoving() throws Exception {
        snap(src, DATA, "auto-1");
        BlockingStream[] blocked = new BlockingStream[1];
        FaultyEndpoint stalling = new FaultyEndpoint(source, (n, req, real) -> {
            if (n == 1) {
                blocked[0] = new BlockingStream(real, 3);
                return blocked[0];
            }
            return real;
        });
        Replicator replicator = replicator(Duration.ofMillis(200));

        CompletableFuture<ReplicationResult> running = CompletableFuture.supplyAsync(
                () -> replicator.run(spec(false, 2), stalling, target, ProgressListener.NONE, clock));
        Poll.until(Duration.ofSeconds(10), "the stalled send stream to be closed", () -> blocked[0] != null && blocked[0].closed());
        ReplicationResult r = running.get(10, TimeUnit.SECONDS);

        DatasetResult d = r.datasets().get(0);
        assertThat(d.failure()).isEmpty();
        assertThat(d.attempts()).isEqualTo(2);
        assertThat(sleeps).containsExactly(Duration.ofSeconds(1));
        assertThat(guids(dst, BACKUP)).isEqualTo(guids(src, DATA));
    }

    @Test
    void aStallWithoutRetriesLeftIsReportedAsStalled() throws Exception {
        snap(src, DATA, "auto-1");
        FaultyEndpoint stalling = new FaultyEndpoint(source, (n, req, real) -> new BlockingStream(real, 0));

        ReplicationResult r = replicator(Duration.ofMillis(100)).run(spec(false, 0), stalling, target, ProgressListener.NONE, clock);

        DatasetFailure f = r.datasets().get(0).failure().orElseThrow();
        assertThat(f.reason()).isEqualTo(DatasetFailure.Reason.STALLED);
        assertThat(f.retryable()).isTrue();
        assertThat(f.message()).contains("no data moved");
        assertThat(holds(src, DATA)).isEmpty();
    }

    @Test
    void severalSourcesLandBelowTheTargetUnderTheirLeaves() {
        DatasetName other = DatasetName.of("src/other");
        src.createDataset(other);
        snap(src, DATA, "auto-1");
        snap(src, other, "auto-1");
        ReplicationSpec spec = new ReplicationSpec("t1", List.of(DATA, other), DatasetName.of("dst/backup"), false, Set.of(),
                n -> true, false, 0);

        ReplicationResult r = run(spec, source);

        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(guids(dst, DatasetName.of("dst/backup/data"))).isEqualTo(guids(src, DATA));
        assertThat(guids(dst, DatasetName.of("dst/backup/other"))).isEqualTo(guids(src, other));
        assertThat(target.ownership(DatasetName.of("dst/backup/other"))).contains(new Ownership("box-a", "t1"));
    }

    @Test
    void childrenOfADatasetWithNothingToSendAreNotReplicated() {
        src.createDataset(DATA.child("a"));
        snap(src, DATA.child("a"), "auto-1");
        ReplicationSpec spec = new ReplicationSpec("t1", List.of(DATA), BACKUP, true, Set.of(), n -> n.startsWith("auto-"),
                false, 0);

        ReplicationResult r = run(spec, source);

        assertThat(r.datasets().get(0).plan().orElseThrow()).isInstanceOf(Plan.NothingToSend.class);
        assertThat(r.datasets().get(0).ok()).isTrue();
        assertThat(r.datasets().get(1).failure().orElseThrow().reason())
                .isEqualTo(DatasetFailure.Reason.PARENT_NOT_REPLICATED);
        assertThat(r.datasets().get(1).failure().orElseThrow().message()).contains("dst/backup/data");
        assertThat(dst.datasetNames()).doesNotContain(BACKUP);
    }

    @Test
    void aMissingSourceIsReportedAsNotFound() {
        ReplicationSpec spec = new ReplicationSpec("t1", List.of(DatasetName.of("src/nope")), BACKUP, true, Set.of(),
                n -> true, false, 3);

        DatasetResult d = run(spec, source).datasets().get(0);

        assertThat(d.failure().orElseThrow().code()).contains(ErrorCode.NOT_FOUND);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void theStreamTransformCarriesEveryByte() {
        snap(src, DATA, "auto-1", "auto-2");
        List<StepContext> seen = Collections.synchronizedList(new ArrayList<>());
        StreamTransform xor = new StreamTransform() {
            @Override
            public InputStream wrapSend(InputStream in, StepContext context) {
                seen.add(context);
                return new XorStream(in);
            }

            @Override
            public InputStream wrapReceive(InputStream in, StepContext context) {
                return new XorStream(in);
            }
        };
        Replicator replicator = new Replicator(new Replicator.Settings(Duration.ofSeconds(1), Duration.ofSeconds(8),
                Duration.ofSeconds(30)), sleeps::add, xor);

        ReplicationResult r = replicator.run(spec(false, 0), source, target, ProgressListener.NONE, clock);

        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(guids(dst, BACKUP)).isEqualTo(guids(src, DATA));
        assertThat(seen).extracting(c -> c.request().toString()).hasSize(2);
        assertThat(seen.get(1).request().base()).contains(DATA.snapshot("auto-1"));
        assertThat(seen.get(1).target()).isEqualTo(BACKUP);
    }

    @Test
    void aConnectionLostMidTransferSaysWhatWasOnItsWayHowFarItGotAndWhatHappensNext() {
        snap(src, DATA, "auto-1");
        FaultyEndpoint cut = new FaultyEndpoint(target, (n, req, real) -> real) {
            @Override
            public io.snapferry.dataset.ReceiveResult receive(DatasetName t, InputStream stream,
                                                              io.snapferry.dataset.ReceiveOptions options) throws IOException {
                stream.readNBytes(10);
                throw new LinkLostException("b", new IOException("write(ChannelOutputStream[ChannelSubsystem[id=0, recipient=0]"
                        + "-ClientSessionImpl[snapferry@/127.0.0.1:41961]] SSH_MSG_CHANNEL_DATA) len=236 - channel already closed"));
            }
        };

        ReplicationResult r = replicator(Duration.ofSeconds(30)).run(spec(false, 0), source, cut, ProgressListener.NONE, clock);

        DatasetFailure f = r.datasets().get(0).failure().orElseThrow();
        assertThat(f.reason()).isEqualTo(DatasetFailure.Reason.TRANSPORT_ERROR);
        assertThat(f.retryable()).isTrue();
        assertThat(f.message()).isEqualTo("connection to b lost during the transfer of src/data@auto-1 after 10 bytes"
                + " (channel already closed); the target keeps no partial snapshot and the next run sends src/data@auto-1 again");
        assertThat(r.datasets().get(0).bytes()).isEqualTo(10);
        assertThat(dst.datasetNames()).doesNotContain(BACKUP);
        assertThat(holds(src, DATA)).isEmpty();
    }

    @Test
    void aConnectionLostOutsideATransferSaysSoWithoutTheTransportsWords() {
        snap(src, DATA, "auto-1");
        FaultyEndpoint gone = new FaultyEndpoint(target, (n, req, real) -> real) {
            @Override
            public List<Snapshot> listSnapshots(DatasetName dataset) {
                throw new java.io.UncheckedIOException("channel already closed",
                        new LinkLostException("b", new IOException("channel already closed")));
            }
        };

        DatasetFailure f = replicator(Duration.ofSeconds(30)).run(spec(false, 0), source, gone, ProgressListener.NONE, clock)
                .datasets().get(0).failure().orElseThrow();

        assertThat(f.reason()).isEqualTo(DatasetFailure.Reason.TRANSPORT_ERROR);
        assertThat(f.retryable()).isTrue();
        assertThat(f.message()).isEqualTo("connection to b lost (channel already closed); the next run connects again");
    }

    @Test
    void aPendingPartialReceiveIsDiscardedBeforePlanning() {
        snap(src, DATA, "auto-1");
        run(spec(false, 0), source);
        snap(src, DATA, "auto-2");
        List<DatasetName> aborted = new ArrayList<>();
        FaultyEndpoint partial = new FaultyEndpoint(target, (n, req, real) -> real) {
            @Override
            public java.util.Optional<String> resumeToken(DatasetName dataset) {
                return aborted.isEmpty() ? java.util.Optional.of("1-abc-def") : java.util.Optional.empty();
            }

            @Override
            public void abortResumableReceive(DatasetName dataset) {
                aborted.add(dataset);
            }
        };

        ReplicationResult r = replicator(Duration.ofSeconds(30)).run(spec(false, 0), source, partial, ProgressListener.NONE, clock);

        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(aborted).containsExactly(BACKUP);
        assertThat(guids(dst, BACKUP)).isEqualTo(guids(src, DATA));
    }

    @Test
    void interruptingTheRunAbortsTheTransfer() throws Exception {
        snap(src, DATA, "auto-1");
        BlockingStream[] blocked = new BlockingStream[1];
        FaultyEndpoint stalling = new FaultyEndpoint(source, (n, req, real) -> blocked[0] = new BlockingStream(real, 3));
        CompletableFuture<ReplicationResult> result = new CompletableFuture<>();
        Thread runner = new Thread(() -> result.complete(
                replicator(Duration.ofSeconds(60)).run(spec(false, 5), stalling, target, ProgressListener.NONE, clock)));
        runner.start();
        Poll.until(Duration.ofSeconds(10), "the transfer to block", () -> blocked[0] != null && blocked[0].blocking());

        runner.interrupt();
        ReplicationResult r = result.get(10, TimeUnit.SECONDS);

        assertThat(r.datasets().get(0).failure().orElseThrow().reason()).isEqualTo(DatasetFailure.Reason.INTERRUPTED);
        assertThat(blocked[0].closed()).isTrue();
        assertThat(sleeps).isEmpty();
        assertThat(holds(src, DATA)).isEmpty();
    }

    /** The source with a size estimate of its own (the fake has none), or one that fails. */
    private LocalEndpoint estimating(java.util.function.Function<SendRequest, java.util.OptionalLong> estimate) {
        io.snapferry.dataset.DatasetProvider withEstimate = new io.snapferry.dataset.ForwardingDatasetProvider() {
            @Override
            protected io.snapferry.dataset.DatasetProvider delegate() {
                return src;
            }

            @Override
            public java.util.OptionalLong estimateSendSize(SendRequest request) {
                return estimate.apply(request);
            }
        };
        return new LocalEndpoint("box-a", withEstimate, tmp.resolve("a"));
    }

    @Test
    void eachStepsEstimateReachesTheProgressListenerByItsEnd() {
        src.write(DATA, "big", new byte[3 << 20]);
        snap(src, DATA, "auto-1");
        List<SendRequest> asked = new ArrayList<>();
        List<java.util.OptionalLong> totals = Collections.synchronizedList(new ArrayList<>());
        List<Long> bytes = Collections.synchronizedList(new ArrayList<>());
        ReplicationResult r = replicator(Duration.ofSeconds(30)).run(spec(false, 0),
                estimating(req -> {
                    asked.add(req);
                    return java.util.OptionalLong.of(3 << 20);
                }), target, (d, s, b, t) -> {
                    bytes.add(b);
                    totals.add(t);
                }, clock);
        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(asked).containsExactly(SendRequest.full(DATA.snapshot("auto-1")));
        assertThat(bytes.get(0)).isZero();
        // asked beside the transfer: unknown until answered, then the answer, and the last report has it
        assertThat(totals).hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(t -> assertThat(t).satisfiesAnyOf(e -> assertThat(e).isEmpty(), e -> assertThat(e).hasValue(3 << 20)));
        assertThat(totals.get(totals.size() - 1)).hasValue(3 << 20);
    }

    @Test
    void anEstimateThatArrivesBeforeAnyByteMovedIsReportedAtOnce() throws Exception {
        src.write(DATA, "big", new byte[3 << 20]);
        snap(src, DATA, "auto-1");
        CountDownLatch answered = new CountDownLatch(1);
        List<long[]> reports = Collections.synchronizedList(new ArrayList<>());
        // the source's stream gives nothing until the estimate's report has been seen
        Endpoint from = new FaultyEndpoint(estimating(req -> java.util.OptionalLong.of(3 << 20)), (n, request, real) -> new FilterInputStream(real) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    if (!answered.await(10, TimeUnit.SECONDS)) {
                        throw new IOException("the estimate was never reported");
                    }
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
                return super.read(b, off, len);
            }
        });
        ReplicationResult r = replicator(Duration.ofSeconds(30)).run(spec(false, 0), from, target, (d, s, b, t) -> {
            reports.add(new long[] {b, t.orElse(-1)});
            if (b == 0 && t.isPresent()) {
                answered.countDown();
            }
        }, clock);
        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(reports).anySatisfy(x -> assertThat(x).containsExactly(0, 3 << 20));
        for (int i = 1; i < reports.size(); i++) {
            assertThat(reports.get(i)[0]).as("bytes never go back").isGreaterThanOrEqualTo(reports.get(i - 1)[0]);
        }
    }

    @Test
    void aFailingEstimateIsUnknownAndTheStepStillRuns() {
        snap(src, DATA, "auto-1");
        List<java.util.OptionalLong> totals = Collections.synchronizedList(new ArrayList<>());
        ReplicationResult r = replicator(Duration.ofSeconds(30)).run(spec(false, 0),
                estimating(req -> {
                    throw new DatasetException(ErrorCode.INTERNAL, "estimate failed");
                }), target, (d, s, b, t) -> totals.add(t), clock);
        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(totals).isNotEmpty().allSatisfy(t -> assertThat(t).isEmpty());
    }

    @Test
    void progressIsReportedWhileBytesMove() {
        src.write(DATA, "big", new byte[3 << 20]);
        snap(src, DATA, "auto-1");

        DatasetResult d = run(spec(false, 0), source).datasets().get(0);

        assertThat(d.failure()).isEmpty();
        assertThat(progress.size()).isGreaterThanOrEqualTo(3);
        assertThat(progress).isSorted();
        assertThat(progress.get(progress.size() - 1)).isEqualTo(d.bytes());
        assertThat(d.bytes()).isGreaterThan(3L << 20);
    }

    @Test
    void backoffDoublesUpToTheMaximum() {
        Replicator r = replicator(Duration.ofSeconds(1));
        assertThat(List.of(r.backoff(1), r.backoff(2), r.backoff(3), r.backoff(4), r.backoff(5), r.backoff(60)))
                .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8),
                        Duration.ofSeconds(8), Duration.ofSeconds(8));
    }

    /** Flips every bit: applied twice, the identity; applied once, a stream no receiver accepts. */
    static final class XorStream extends FilterInputStream {
        XorStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            return b < 0 ? b : (b ^ 0xff);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            for (int i = 0; i < n; i++) {
                b[off + i] ^= (byte) 0xff;
            }
            return n;
        }
    }

    /** Passes {@code limit} bytes, then fails as a broken connection would. */
    static final class FailingStream extends FilterInputStream {
        private int left;

        FailingStream(InputStream in, int limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left-- <= 0) {
                throw new IOException("connection reset");
            }
            return super.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                throw new IOException("connection reset");
            }
            int n = super.read(b, off, Math.min(len, left));
            left -= Math.max(n, 0);
            return n;
        }
    }

    /** Passes {@code limit} bytes, then blocks until closed, as a hung peer does. */
    static final class BlockingStream extends FilterInputStream {
        private final CountDownLatch closed = new CountDownLatch(1);
        private volatile boolean blocking;
        private int left;

        BlockingStream(InputStream in, int limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                blocking = true;
                try {
                    closed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IOException("stream closed");
            }
            int n = super.read(b, off, Math.min(len, left));
            left -= Math.max(n, 0);
            return n;
        }

        @Override
        public void close() throws IOException {
            closed.countDown();
            super.close();
        }

        boolean closed() {
            return closed.getCount() == 0;
        }

        boolean blocking() {
            return blocking;
        }
    }

    /** A transform that flips one byte of the wire for the first {@code bad} attempts of each step. */
    private static StreamTransform corrupting(int bad) {
        return flipping(bad, 5000);
    }

    /**
     * A transform that flips the bytes at {@code offsets} of the wire (counted over everything that
     * passes, frames sent again included) for the first {@code attempts} attempts of each step.
     */
    private static StreamTransform flipping(int attempts, long... offsets) {
        return new StreamTransform() {
            @Override
            public java.io.InputStream wrapSend(java.io.InputStream send, StepContext context) {
                if (context.attempt() > attempts) {
                    return send;
                }
                return new io.snapferry.stream.FlippingInputStream(send, offsets);
            }

            @Override
            public java.io.InputStream wrapReceive(java.io.InputStream wire, StepContext context) {
                return wire;
            }
        };
    }

    /** What the target box verified, one report per receive. */
    private final List<io.snapferry.stream.FramedDatasetProvider.VerificationReport> verified =
            Collections.synchronizedList(new ArrayList<>());

    /**
     * Replicates through framed providers with 4 KiB frames. With {@code frameResend} the source's
     * streams can be re-sent by frame (as every framed send can); without, the source hides that,
     * so only the whole step can be sent again.
     */
    private ReplicationResult runFramed(StreamTransform transform, boolean frameResend) {
        DatasetProvider framedSrc = new io.snapferry.stream.FramedDatasetProvider(src, "box-a", io.snapferry.stream.StreamOptions.defaults()
                .withFrameSize(io.snapferry.stream.StreamOptions.MIN_FRAME_SIZE), io.snapferry.stream.KeyResolver.NONE, r -> { });
        if (!frameResend) {
            DatasetProvider framed = framedSrc;
            framedSrc = new io.snapferry.dataset.ForwardingDatasetProvider() {
                @Override
                protected DatasetProvider delegate() {
                    return framed;
                }

                @Override
                public java.io.InputStream send(io.snapferry.dataset.SendRequest request) throws java.io.IOException {
                    return new java.io.FilterInputStream(framed.send(request)) { };
                }
            };
        }
        var framedDst = new io.snapferry.stream.FramedDatasetProvider(dst, "box-b", io.snapferry.stream.StreamOptions.defaults(),
                io.snapferry.stream.KeyResolver.NONE, verified::add);
        Replicator r = new Replicator(new Replicator.Settings(Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofSeconds(30)),
                sleeps::add, transform);
        return r.run(spec(false, 5), new LocalEndpoint("box-a", framedSrc, tmp.resolve("fa")),
                new LocalEndpoint("box-b", framedDst, tmp.resolve("fb")), (d, s, b, t) -> { }, clock);
    }

    /**
     * Where the copies of the frame holding wire offset 5000 start, relative to it: the stream's
     * 4 KiB frames of zeros are stored raw, 18 + 4096 + 36 bytes each (docs/stream-format.md), and
     * a local receive asks for a bad frame as soon as it has read it, so each copy follows the last.
     */
    private static final long FRAME_ON_WIRE = 18 + io.snapferry.stream.StreamOptions.MIN_FRAME_SIZE + 36;

    @Test
    void aCorruptedFrameIsAskedForAgainWithinTheStep() {
        src.write(DATA, "big", new byte[64 * 1024]);
        snap(src, DATA, "auto-1");
        ReplicationResult r = runFramed(flipping(1, 5000), true);
        assertThat(r.ok()).isTrue();
        assertThat(r.datasets().get(0).attempts()).as("the step is not sent again").isEqualTo(1);
        assertThat(sleeps).isEmpty();
        assertThat(guids(dst, BACKUP)).isEqualTo(guids(src, DATA));
        assertThat(verified).hasSize(1);
        assertThat(verified.get(0).resentFrames()).isOne();
    }

    @Test
    void aFrameCorruptedThreeTimesFailsTheRunAtOnceAndLeavesNothing() {
        src.write(DATA, "big", new byte[64 * 1024]);
        snap(src, DATA, "auto-1");
        ReplicationResult r = runFramed(flipping(5, 5000, 5000 + FRAME_ON_WIRE, 5000 + 2 * FRAME_ON_WIRE), true);
        assertThat(r.ok()).isFalse();
        DatasetFailure f = r.datasets().get(0).failure().orElseThrow();
        assertThat(f.message()).contains("frame 1 of " + DATA + "@auto-1 failed verification 3 times")
                .contains("check the link, memory and disks");
        assertThat(f.category()).isEqualTo(ErrorCode.Category.PERMANENT);
        assertThat(r.datasets().get(0).attempts()).as("no step is sent again").isEqualTo(1);
        assertThat(sleeps).isEmpty();
        assertThat(dst.exists(BACKUP)).isFalse();
        assertThat(verified).hasSize(1);
        assertThat(verified.get(0).resentFrames()).isEqualTo(2);
    }

    @Test
    void withoutAFrameBackChannelACorruptedStreamIsSentAgainAtOnce() {
        src.write(DATA, "big", new byte[64 * 1024]);
        snap(src, DATA, "auto-1");
        ReplicationResult r = runFramed(corrupting(2), false);
        assertThat(r.ok()).isTrue();
        assertThat(r.datasets().get(0).attempts()).isEqualTo(3);
        assertThat(sleeps).as("a resend does not wait for a backoff").isEmpty();
        assertThat(guids(dst, BACKUP)).isEqualTo(guids(src, DATA));
    }

    @Test
    void withoutAFrameBackChannelThreeCorruptionsFailTheRunClearlyAndLeaveNothing() {
        src.write(DATA, "big", new byte[64 * 1024]);
        snap(src, DATA, "auto-1");
        ReplicationResult r = runFramed(corrupting(3), false);
        assertThat(r.ok()).isFalse();
        assertThat(r.datasets().get(0).failure().orElseThrow().message()).contains("failed verification 3 times");
        assertThat(r.datasets().get(0).attempts()).isEqualTo(3);
        assertThat(dst.exists(BACKUP)).isFalse();
    }
}
