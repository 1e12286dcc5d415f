package io.snapferry.replication;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.DatasetTree;
import io.snapferry.dataset.DestroyResult;
import io.snapferry.dataset.ErrorCode;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.ReceiveResult;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.Snapshot;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.replication.plan.Plan;
import io.snapferry.replication.plan.PlanRequest;
import io.snapferry.replication.plan.Planner;
import io.snapferry.replication.plan.SnapshotRef;
import io.snapferry.replication.plan.Step;
import io.snapferry.replication.plan.Target;
import io.snapferry.stream.FrameResendChannel;
import io.snapferry.stream.StreamReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs a replication task: for each source root it looks at both sides' trees once (one
 * {@link Endpoint#listTree} per side: datasets, snapshots and the tags of the held snapshots; the
 * target's on a thread of its own while the source's is listed), then for each source dataset
 * (parents first, in a deterministic order) plans with {@link Planner} from that listing and runs
 * the steps, sending from the source endpoint and receiving into the target endpoint. A dataset
 * with nothing to send costs no further call when its cursor is where it should be.
 *
 * <ul>
 *   <li><b>Holds.</b> While a step runs, its incremental base is held on both sides: by this
 *       task's cursor when the listing showed the cursor there (the usual case), otherwise with
 *       {@link ReplicationHolds#stepTag}, released when the step ends. After each successful step
 *       the replication cursor ({@link ReplicationHolds#cursorTag}) moves to the received snapshot
 *       on both sides: the new hold is placed before the old one is released. A failure leaves the
 *       cursor where it was. Step holds left behind by a crash are released when the dataset is
 *       next replicated; a dataset already up to date gets its cursor placed where it is missing
 *       and released where it is misplaced.</li>
 *   <li><b>Ownership.</b> Each target root is claimed for (source box, task) on the first run;
 *       a target claimed by another source is refused.</li>
 *   <li><b>Retries.</b> A failure whose category is {@link ErrorCode.Category#TRANSIENT} (I/O
 *       errors and stalls included) is retried up to {@link ReplicationSpec#retries()} times with
 *       exponential backoff; each retry plans again from a fresh listing of the dataset, so steps
 *       that completed are not repeated.</li>
 *   <li><b>Damaged streams.</b> When the source's stream can be re-sent by frame (it offers a
 *       {@link FrameResendChannel}, as every framed send does), the receive is handed that channel:
 *       a frame damaged on the way is asked for again within the step, and a frame that came bad
 *       {@link StreamReader#MAX_COPIES} times fails the dataset at once, permanently (something
 *       between the boxes damages data). Without a channel, or when the frame is no longer kept, a
 *       stream that fails verification ({@link ErrorCode#CORRUPT_STREAM}) is sent again at once, up
 *       to {@link #MAX_CORRUPTIONS} times.</li>
 *   <li><b>Stall watchdog.</b> The receive runs on a transfer thread; when no byte has moved for
 *       {@link Settings#stallTimeout()}, the streams are closed, the thread interrupted, and the
 *       attempt counts as a transient failure.</li>
 * </ul>
 *
 * <p>Threading: {@link #run} blocks its caller until the task is done; one {@code Replicator} may
 * run several tasks concurrently, but one task must not run twice at the same time (its holds
 * would be shared). The endpoints are called from the caller's thread and from two threads of the
 * run's own: the target's tree listing (waited for before the datasets are replicated, unless the
 * caller is interrupted) and the transfer. Interrupting the caller aborts the transfer in progress and ends the run with
 * {@link DatasetFailure.Reason#INTERRUPTED}. Expected outcomes and failures are reported in the
 * {@link ReplicationResult}; {@code run} itself throws only for a bug.
 */
public final class Replicator {
    private static final Logger log = LoggerFactory.getLogger(Replicator.class);

    /**
     * @param initialBackoff the wait before the first retry; doubled for each further one
     * @param maxBackoff     the longest wait between retries
     * @param stallTimeout   how long a transfer may move no byte before it is aborted
     */
    /**
     * A stream that fails verification is sent again at once; the third failure ends the run. This
     * is the fallback for a source whose stream cannot be re-sent by frame: with a back channel
     * ({@link FrameResendChannel}) a bad frame is asked for again within the step, and when the
     * receive gives up on a frame (it came bad {@link StreamReader#MAX_COPIES} times) the run fails
     * at once.
     */
    static final int MAX_CORRUPTIONS = 3;

    public record Settings(Duration initialBackoff, Duration maxBackoff, Duration stallTimeout) {
        public Settings {
            for (Duration d : List.of(initialBackoff, maxBackoff, stallTimeout)) {
                if (d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("replication durations must be positive, not " + d);
                }
            }
            if (maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalArgumentException("maxBackoff " + maxBackoff + " is shorter than initialBackoff " + initialBackoff);
            }
        }

        /** 10 s doubling up to 5 min between retries; a transfer stalled for 10 min is aborted. */
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMinutes(10));
        }

        public Settings withStallTimeout(Duration stallTimeout) {
            return new Settings(initialBackoff, maxBackoff, stallTimeout);
        }
    }

    private final Settings settings;
    private final Sleeper sleeper;
    private final StreamTransform transform;

    public Replicator(Settings settings, Sleeper sleeper, StreamTransform transform) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.transform = Objects.requireNonNull(transform, "transform");
    }

    /** Replicates {@code spec} from {@code source} into {@code target}; see the class comment. */
    public ReplicationResult run(ReplicationSpec spec, Endpoint source, Endpoint target, ProgressListener progress,
                                 Clock clock) {
        Instant started = clock.instant();
        Ownership me = new Ownership(source.identity(), spec.taskId());
        List<DatasetResult> results = new ArrayList<>();
        for (DatasetName root : spec.sources()) {
            new Task(spec, source, target, progress, clock).runRoot(root, me, results);
        }
        return new ReplicationResult(spec.taskId(), started, clock.instant(), results);
    }

    /** Backoff before retry number {@code attempt} (1 for the first retry). */
    Duration backoff(int attempt) {
        Duration d = settings.initialBackoff();
        for (int i = 1; i < attempt && d.compareTo(settings.maxBackoff()) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : d;
    }

    /** The state of one run. */
    private final class Task {
        /** Per target dataset: the creation time of the newest snapshot it was seen or made to hold. */
        private final Map<DatasetName, Instant> newestOnTarget = new java.util.concurrent.ConcurrentHashMap<>();

        private final ReplicationSpec spec;
        private final Endpoint source;
        private final Endpoint target;
        private final ProgressListener progress;
        private final Clock clock;
        private final String stepTag;
        private final String cursorTag;

        Task(ReplicationSpec spec, Endpoint source, Endpoint target, ProgressListener progress, Clock clock) {
            this.spec = spec;
            this.source = source;
            this.target = target;
            this.progress = progress;
            this.clock = clock;
            this.stepTag = ReplicationHolds.stepTag(spec.taskId());
            this.cursorTag = ReplicationHolds.cursorTag(spec.taskId());
        }

        void runRoot(DatasetName root, Ownership me, List<DatasetResult> results) {
            DatasetName targetRoot = spec.targetRoot(root);
            Instant t0 = clock.instant();
            Optional<Ownership> owner;
            try {
                owner = target.ownership(targetRoot);
            } catch (RuntimeException e) {
                results.add(failed(root, targetRoot, t0, 0, classify(e)));
                return;
            }
            if (owner.isPresent() && !owner.get().equals(me)) {
                results.add(failed(root, targetRoot, t0, 0, new DatasetFailure(DatasetFailure.Reason.OWNED_BY_OTHER,
                        ErrorCode.Category.USER_ERROR, Optional.empty(), "target " + targetRoot + " is owned by "
                        + owner.get() + "; run 'snapferry replication reinitialize " + spec.taskId()
                        + "' to take it over")));
                return;
            }
            // The target's tree is listed while the source's is: the two listings are most of the
            // time of a run with little to send, and neither depends on the other.
            CompletableFuture<TargetTree> onTarget = inBackground("snapferry-list-" + targetRoot, () -> listTarget(targetRoot));
            Sources sources;
            try {
                sources = datasetsOf(root);
                if (owner.isEmpty()) {
                    target.claim(targetRoot, me);
                    log.info("task {}: claimed {} for {}", spec.taskId(), targetRoot, me);
                }
            } catch (RuntimeException e) {
                awaitQuietly(onTarget);
                results.add(failed(root, targetRoot, t0, 0, classify(e)));
                return;
            }
            List<DatasetName> datasets = sources.datasets();
            Optional<Observed> observed = observeTree(targetRoot, sources, onTarget);
            Set<DatasetName> absentOnTarget = new HashSet<>();
            for (DatasetName ds : datasets) {
                DatasetName dst = spec.targetFor(root, ds);
                if (Thread.currentThread().isInterrupted()) {
                    results.add(failed(ds, dst, clock.instant(), 0, interrupted()));
                    continue;
                }
                if (!ds.equals(root) && absentOnTarget.contains(dst.parent())) {
                    absentOnTarget.add(dst);
                    results.add(failed(ds, dst, clock.instant(), 0, new DatasetFailure(
                            DatasetFailure.Reason.PARENT_NOT_REPLICATED, ErrorCode.Category.NOT_FOUND, Optional.empty(),
                            "not replicated: its parent " + dst.parent() + " is not on the target")));
                    continue;
                }
                Outcome o = replicate(ds, dst, observed);
                if (!o.targetExists()) {
                    absentOnTarget.add(dst);
                }
                results.add(o.result());
            }
        }

        /**
         * The source datasets to replicate below {@code root}, parents first, siblings by name,
         * with the snapshots and hold tags of the listing that found them: one
         * {@link Endpoint#listTree} when recursive; without, the listing of the root's snapshots
         * (which also checks that the root exists) and one lookup of the held ones' tags. The tags
         * are mutable.
         */
        private record Sources(List<DatasetName> datasets, List<Snapshot> snapshots, Map<SnapshotName, Set<String>> tags) {
        }

        private Sources datasetsOf(DatasetName root) {
            List<DatasetName> out = new ArrayList<>();
            List<Snapshot> snapshots;
            Map<SnapshotName, Set<String>> tags;
            if (spec.recursive()) {
                DatasetTree tree = source.listTree(root);
                for (DatasetName d : tree.datasets()) {
                    if (root.contains(d) && !spec.excluded(d)) {
                        out.add(d);
                    }
                }
                snapshots = tree.snapshots();
                tags = mutable(tree.holds());
            } else {
                snapshots = source.listSnapshots(root); // NOT_FOUND when the root is missing, like the recursive listing
                if (!spec.excluded(root)) {
                    out.add(root);
                }
                tags = out.isEmpty() ? new HashMap<>() : tagsOfHeld(source, snapshots);
            }
            out.sort(Comparator.comparing(d -> d.value().replace('/', '\0')));
            return new Sources(out, snapshots, tags);
        }

        private static Map<SnapshotName, Set<String>> mutable(Map<SnapshotName, Set<String>> tags) {
            Map<SnapshotName, Set<String>> out = new HashMap<>();
            tags.forEach((k, v) -> out.put(k, new HashSet<>(v)));
            return out;
        }

        private record Outcome(DatasetResult result, boolean targetExists) {
        }

        /**
         * One listing of each side's tree, taken before the datasets of a root are replicated:
         * snapshots by dataset, the target datasets that exist, and the hold tags of every held
         * snapshot. A dataset's first attempt plans from it (a retry lists again); the tags are
         * updated as holds are released or placed through {@link #moveCursor} and
         * {@link #releaseLeftoverStepHolds}.
         */
        private record Observed(Map<DatasetName, List<Snapshot>> source, Map<SnapshotName, Set<String>> sourceTags,
                                Set<DatasetName> targetDatasets, Map<DatasetName, List<Snapshot>> target,
                                Map<SnapshotName, Set<String>> targetTags) {
        }

        /** The target's tree as one look saw it: its datasets (none when the root is absent), snapshots and held tags (mutable). */
        private record TargetTree(Set<DatasetName> datasets, List<Snapshot> snapshots, Map<SnapshotName, Set<String>> tags) {
        }

        /**
         * Lists the target's tree once: one {@link Endpoint#listTree}; without {@code recursive}
         * one listing of the root's snapshots and one lookup of the held ones' tags. An absent
         * root is an empty tree.
         */
        private TargetTree listTarget(DatasetName targetRoot) {
            try {
                if (spec.recursive()) {
                    DatasetTree tree = target.listTree(targetRoot);
                    return new TargetTree(new HashSet<>(tree.datasets()), tree.snapshots(), mutable(tree.holds()));
                }
                List<Snapshot> tgt = target.listSnapshots(targetRoot);
                return new TargetTree(Set.of(targetRoot), tgt, tagsOfHeld(target, tgt));
            } catch (DatasetException e) {
                if (e.code() != ErrorCode.NOT_FOUND) {
                    throw e;
                }
                return new TargetTree(Set.of(), List.of(), new HashMap<>());
            }
        }

        /**
         * What each side's one look at the tree showed (the source's from {@link #datasetsOf}; the
         * target's from {@code onTarget}, listed in the background meanwhile). Empty when the
         * target's listing failed: each dataset then lists for itself and reports its own failure.
         * Returns only when the target's listing has ended (unless interrupted).
         */
        private Optional<Observed> observeTree(DatasetName targetRoot, Sources sources,
                                               CompletableFuture<TargetTree> onTarget) {
            if (sources.datasets().isEmpty()) {
                awaitQuietly(onTarget);
                return Optional.empty();
            }
            try {
                TargetTree t = await(onTarget);
                return Optional.of(new Observed(byDataset(sources.snapshots()), sources.tags(), t.datasets(),
                        byDataset(t.snapshots()), t.tags()));
            } catch (RuntimeException e) {
                log.info("task {}: listing the tree of {} failed, listing each dataset instead: {}",
                        spec.taskId(), targetRoot, e.getMessage());
                return Optional.empty();
            }
        }

        private static Map<DatasetName, List<Snapshot>> byDataset(List<Snapshot> snapshots) {
            Map<DatasetName, List<Snapshot>> out = new HashMap<>();
            for (Snapshot s : snapshots) {
                out.computeIfAbsent(s.dataset(), k -> new ArrayList<>()).add(s);
            }
            return out;
        }

        /** The tags of the snapshots that the listing shows held, in one lookup; mutable. */
        private static Map<SnapshotName, Set<String>> tagsOfHeld(Endpoint side, List<Snapshot> snapshots) {
            List<SnapshotName> held = snapshots.stream().filter(s -> s.holds() > 0).map(Snapshot::name).toList();
            Map<SnapshotName, Set<String>> out = new HashMap<>();
            if (!held.isEmpty()) {
                side.holdsOf(held).forEach((k, v) -> out.put(k, new HashSet<>(v)));
            }
            return out;
        }

        /** What planning and the cursor move know of one side's holds; {@code tags} null: ask the endpoint. */
        private record Holds(Endpoint side, List<Snapshot> snapshots, Map<SnapshotName, Set<String>> tags) {
            Set<String> of(Snapshot s) {
                if (s.holds() == 0) {
                    return Set.of();
                }
                Set<String> t = tags == null ? null : tags.get(s.name());
                return t != null ? t : side.holds(s.name());
            }

            Set<String> of(SnapshotName name) {
                for (Snapshot s : snapshots) {
                    if (s.name().equals(name)) {
                        return of(s);
                    }
                }
                return side.holds(name);
            }

            void placed(SnapshotName name, String tag) {
                if (tags != null) {
                    tags.computeIfAbsent(name, k -> new HashSet<>()).add(tag);
                }
            }

            void released(SnapshotName name, String tag) {
                if (tags != null && tags.containsKey(name)) {
                    tags.get(name).remove(tag);
                }
            }
        }

        /**
         * What planning saw of both sides; the holds are known (from the tree listing) on a
         * dataset's first attempt only.
         */
        private record Sides(List<Snapshot> source, Target target, Map<Long, String> targetNames,
                             Optional<Holds> sourceHolds, Optional<Holds> targetHolds) {
        }

        private Outcome replicate(DatasetName ds, DatasetName dst, Optional<Observed> observed) {
            Instant t0 = clock.instant();
            int attempts = 0;
            int corruptions = 0;
            AtomicLong bytes = new AtomicLong();
            List<SnapshotName> received = new ArrayList<>();
            Optional<Plan> lastPlan = Optional.empty();
            boolean targetExists = false;
            while (true) {
                attempts++;
                try {
                    Sides sides = observe(ds, dst, attempts == 1 && corruptions == 0 ? observed : Optional.empty());
                    targetExists = sides.target().exists();
                    Plan plan = Planner.plan(new PlanRequest(sides.source().stream().map(SnapshotRef::of).toList(),
                            List.of(), sides.target(), spec.eligible(), spec.allowFromScratch(),
                            PlanRequest.InitialReplication.ALL));
                    lastPlan = Optional.of(plan);
                    log.info("task {}: {} -> {}: {}", spec.taskId(), ds, dst, plan.describe());
                    if (plan.refused()) {
                        return new Outcome(result(ds, dst, lastPlan, received, bytes.get(), t0, attempts, Optional.of(
                                new DatasetFailure(DatasetFailure.Reason.PLAN_REFUSED, ErrorCode.Category.USER_ERROR,
                                        Optional.empty(), dst + ": " + plan.describe()))), targetExists);
                    }
                    // What the listing showed of the holds, while it stays true: a from-scratch plan
                    // destroys target snapshots, so there the endpoints are asked again.
                    Optional<Holds> srcHolds = plan instanceof Plan.FromScratch ? Optional.empty() : sides.sourceHolds();
                    Optional<Holds> tgtHolds = plan instanceof Plan.FromScratch ? Optional.empty() : sides.targetHolds();
                    if (plan instanceof Plan.UpToDate u) {
                        moveCursor(ds, dst, u.common(), sides.targetNames().getOrDefault(u.common().guid(), u.common().name()),
                                srcHolds, tgtHolds);
                    }
                    if (!plan.steps().isEmpty() && targetExists) {
                        discardPartialReceive(dst);
                    }
                    if (plan instanceof Plan.FromScratch f) {
                        log.warn("task {}: {} shares no snapshot with {}; replacing {}{}", spec.taskId(), dst, ds,
                                f.replaced(), f.replacesUnsnapshottedData() ? " and its unsnapshotted data" : "");
                        replaceTarget(dst, f);
                    }
                    if (!plan.steps().isEmpty() && !targetExists) {
                        target.createParents(dst);
                    }
                    Map<Long, String> targetNames = new HashMap<>(sides.targetNames());
                    for (Step step : plan.steps()) {
                        List<Runnable> stepHolds = new ArrayList<>();
                        ReceiveResult r = runStep(ds, dst, step, targetExists, targetNames, attempts, bytes, srcHolds, tgtHolds,
                                stepHolds);
                        received.addAll(r.received());
                        targetExists = true;
                        targetNames.put(step.to().guid(), step.to().name());
                        // a received snapshot keeps the creation time it has on the source
                        sides.source().stream().filter(s -> s.guid() == step.to().guid()).findFirst()
                                .ifPresent(s -> newestOnTarget.merge(dst, s.createdAt(), (a, b) -> a.isAfter(b) ? a : b));
                        // The cursor moves and the step holds go at once, each side on its own
                        // thread: over SSH each is a round trip or three.
                        List<Runnable> after = new ArrayList<>(cursorMoves(ds, dst, step.to(), step.to().name(), srcHolds, tgtHolds));
                        after.addAll(stepHolds);
                        together(after);
                    }
                    return new Outcome(result(ds, dst, lastPlan, received, bytes.get(), t0, attempts, Optional.empty()), targetExists);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new Outcome(result(ds, dst, lastPlan, received, bytes.get(), t0, attempts, Optional.of(interrupted())),
                            targetExists);
                } catch (Exception e) {
                    DatasetFailure f = classify(e);
                    if (e instanceof FrameResendsExhausted) {
                        f = new DatasetFailure(f.reason(), ErrorCode.Category.PERMANENT, f.code(), f.message());
                        log.warn("task {}: {} -> {} failed: {}", spec.taskId(), ds, dst, f.message());
                        return new Outcome(result(ds, dst, lastPlan, received, bytes.get(), t0, attempts, Optional.of(f)), targetExists);
                    }
                    if (f.code().equals(Optional.of(ErrorCode.CORRUPT_STREAM))) {
                        corruptions++;
                        if (corruptions < MAX_CORRUPTIONS) {
                            log.warn("task {}: {} -> {}: the stream failed verification ({} of {}), sending it again: {}",
                                    spec.taskId(), ds, dst, corruptions, MAX_CORRUPTIONS, f.message());
                            continue;
                        }
                        f = new DatasetFailure(f.reason(), ErrorCode.Category.PERMANENT, f.code(), "the stream failed verification "
                                + corruptions + " times (last: " + f.message() + "); something between the boxes damages data:"
                                + " check the link, memory and disks, then run the replication again");
                        log.warn("task {}: {} -> {} failed: {}", spec.taskId(), ds, dst, f.message());
                        return new Outcome(result(ds, dst, lastPlan, received, bytes.get(), t0, attempts, Optional.of(f)), targetExists);
                    }
                    if (f.retryable() && attempts <= spec.retries()) {
                        Duration wait = backoff(attempts);
                        log.warn("task {}: {} -> {} failed (attempt {} of {}), retrying in {}: {}", spec.taskId(), ds, dst,
                                attempts, spec.retries() + 1, wait, f.message());
                        try {
                            sleeper.sleep(wait);
                        } catch (InterruptedException ie) {
                            Thread.currentThread().interrupt();
                            return new Outcome(result(ds, dst, lastPlan, received, bytes.get(), t0, attempts,
                                    Optional.of(interrupted())), targetExists);
                        }
                        continue;
                    }
                    log.warn("task {}: {} -> {} failed: {}", spec.taskId(), ds, dst, f.message());
                    return new Outcome(result(ds, dst, lastPlan, received, bytes.get(), t0, attempts, Optional.of(f)), targetExists);
                }
            }
        }

        /** Lists both sides (or takes them from the tree listing), releases step holds a crash left behind. */
        private Sides observe(DatasetName ds, DatasetName dst, Optional<Observed> observed) {
            List<Snapshot> src = observed.isPresent()
                    ? observed.get().source().getOrDefault(ds, List.of())
                    : source.listSnapshots(ds);
            Holds srcHolds = new Holds(source, src, observed.map(Observed::sourceTags).orElse(null));
            releaseLeftoverStepHolds(srcHolds);
            List<Snapshot> tgt;
            if (observed.isPresent() && !observed.get().targetDatasets().contains(dst)) {
                return new Sides(src, Target.absent(), Map.of(), Optional.of(srcHolds),
                        Optional.of(new Holds(target, List.of(), new HashMap<>())));
            }
            try {
                tgt = observed.isPresent() ? observed.get().target().getOrDefault(dst, List.of()) : target.listSnapshots(dst);
            } catch (DatasetException e) {
                if (e.code() != ErrorCode.NOT_FOUND) {
                    throw e;
                }
                return new Sides(src, Target.absent(), Map.of(), Optional.empty(), Optional.empty());
            }
            for (Snapshot s : tgt) {
                newestOnTarget.merge(dst, s.createdAt(), (a, b) -> a.isAfter(b) ? a : b);
            }
            Holds tgtHolds = new Holds(target, tgt, observed.map(Observed::targetTags).orElse(null));
            releaseLeftoverStepHolds(tgtHolds);
            Map<Long, String> names = new HashMap<>();
            tgt.forEach(s -> names.put(s.guid(), s.shortName()));
            Target t = tgt.isEmpty() && target.hasUnsnapshottedData(dst)
                    ? Target.withUnsnapshottedData()
                    : Target.of(tgt.stream().map(SnapshotRef::of).toList());
            return observed.isPresent()
                    ? new Sides(src, t, names, Optional.of(srcHolds), Optional.of(tgtHolds))
                    : new Sides(src, t, names, Optional.empty(), Optional.empty());
        }

        /**
         * A receive interrupted earlier may have left partial state (ZFS's resumable receive) that
         * would refuse the next one: it is discarded before the first step into {@code dst}. Only
         * then: a dataset with nothing to send is not asked (over SSH each question is a round trip).
         */
        private void discardPartialReceive(DatasetName dst) {
            if (target.resumeToken(dst).isPresent()) {
                log.warn("task {}: discarding the interrupted partial receive into {}", spec.taskId(), dst);
                target.abortResumableReceive(dst);
            }
        }

        private void releaseLeftoverStepHolds(Holds holds) {
            for (Snapshot s : holds.snapshots()) {
                if (s.holds() > 0 && holds.of(s).contains(stepTag)) {
                    log.info("task {}: releasing leftover step hold on {}", spec.taskId(), s.name());
                    releaseQuietly(holds.side(), s.name(), stepTag);
                    holds.released(s.name(), stepTag);
                }
            }
        }

        /** Destroys the snapshots a from-scratch plan replaces, after releasing this task's own holds on them. */
        private void replaceTarget(DatasetName dst, Plan.FromScratch plan) {
            List<SnapshotName> doomed = plan.replaced().stream().map(r -> dst.snapshot(r.name())).toList();
            if (doomed.isEmpty()) {
                return;
            }
            for (SnapshotName s : doomed) {
                Set<String> tags = target.holds(s);
                for (String tag : List.of(cursorTag, stepTag)) {
                    if (tags.contains(tag)) {
                        target.release(s, tag);
                    }
                }
            }
            DestroyResult r = target.destroySnapshots(doomed);
            if (!r.skipped().isEmpty()) {
                throw new DatasetException(ErrorCode.BUSY, "cannot replace " + dst + " from scratch: " + r.skipped()
                        + " could not be destroyed; release those holds or destroy them by hand");
            }
        }

        private ReceiveResult runStep(DatasetName ds, DatasetName dst, Step step, boolean targetExists,
                                      Map<Long, String> targetNames, int attempt, AtomicLong bytes, Optional<Holds> srcHolds,
                                      Optional<Holds> tgtHolds, List<Runnable> release)
                throws IOException, InterruptedException {
            SnapshotName to = ds.snapshot(step.to().name());
            SendRequest request;
            if (step.from().isPresent()) {
                SnapshotRef from = step.from().get();
                if (from.isBookmark()) {
                    throw new DatasetException(ErrorCode.UNSUPPORTED, "an incremental send from bookmark " + from
                            + " is not possible through the endpoint interface");
                }
                request = SendRequest.incremental(ds.snapshot(from.name()), to, step.intermediates());
            } else {
                request = SendRequest.full(to);
            }
            // A full stream into an existing (empty or replaced) dataset must overwrite it.
            ReceiveOptions options = spec.receive().withRollback(spec.receive().rollback() || step.isFull() && targetExists);
            boolean done = false;
            try {
                if (step.from().isPresent()) {
                    // The base needs no step hold where this task's cursor is known to hold it already.
                    SnapshotRef from = step.from().get();
                    SnapshotName onSource = ds.snapshot(from.name());
                    SnapshotName onTarget = dst.snapshot(targetNames.getOrDefault(from.guid(), from.name()));
                    if (!cursorKnownOn(srcHolds, onSource)) {
                        holdForStep(source, onSource, release);
                    }
                    if (!cursorKnownOn(tgtHolds, onTarget)) {
                        holdForStep(target, onTarget, release);
                    }
                }
                StepContext context = new StepContext(spec.taskId(), ds, dst, request, attempt);
                long before = bytes.get();
                // Only progress needs the estimate, and asking a remote source costs a round trip:
                // the transfer does not wait for it.
                CompletableFuture<OptionalLong> estimate = inBackground("snapferry-estimate-" + ds, () -> estimate(request));
                StepProgress reports = new StepProgress(ds, to, estimate);
                reports.moved(0);
                estimate.thenRun(reports::estimated); // shown as soon as it is known, not at the next MiB
                ReceiveResult r = transfer(context, options, reports::moved, n -> bytes.set(before + n));
                // The step's last report carries the estimate (answered long before, as a rule).
                reports.last(bytes.get() - before, settled(estimate));
                done = true;
                return r;
            } finally {
                if (!done) {
                    together(release);
                }
            }
        }

        /**
         * A step's progress reports, from the transfer thread and from the estimate's: one at a
         * time, bytes never going back (the estimate's arrival is reported only while none moved).
         */
        private final class StepProgress {
            private final DatasetName dataset;
            private final SnapshotName snapshot;
            private final CompletableFuture<OptionalLong> estimate;
            private long moved = -1;

            StepProgress(DatasetName dataset, SnapshotName snapshot, CompletableFuture<OptionalLong> estimate) {
                this.dataset = dataset;
                this.snapshot = snapshot;
                this.estimate = estimate;
            }

            synchronized void moved(long bytes) {
                moved = bytes;
                progress.progress(dataset, snapshot, bytes, known(estimate));
            }

            synchronized void estimated() {
                if (moved == 0) {
                    progress.progress(dataset, snapshot, 0, known(estimate));
                }
            }

            synchronized void last(long bytes, OptionalLong total) {
                moved = bytes;
                progress.progress(dataset, snapshot, bytes, total);
            }
        }

        /** The estimate once the source has answered; empty before. */
        private static OptionalLong known(CompletableFuture<OptionalLong> estimate) {
            return estimate.isDone() && !estimate.isCompletedExceptionally() ? estimate.join() : OptionalLong.empty();
        }

        /** The estimate, waiting for the source's answer if need be. */
        private static OptionalLong settled(CompletableFuture<OptionalLong> estimate) {
            try {
                return estimate.join();
            } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                return OptionalLong.empty();
            }
        }

        /** The source's estimate of a step's size; empty when it has none or cannot answer (never fails the step). */
        private OptionalLong estimate(SendRequest request) {
            try {
                return source.estimateSendSize(request);
            } catch (RuntimeException e) {
                log.debug("task {}: no size estimate for {}: {}", spec.taskId(), request.snapshot(), e.toString());
                return OptionalLong.empty();
            }
        }

        private boolean cursorKnownOn(Optional<Holds> holds, SnapshotName snapshot) {
            return holds.isPresent() && holds.get().tags().getOrDefault(snapshot, Set.of()).contains(cursorTag);
        }

        private void holdForStep(Endpoint side, SnapshotName snapshot, List<Runnable> release) {
            try {
                side.hold(snapshot, stepTag);
            } catch (DatasetException e) {
                if (e.code() != ErrorCode.ALREADY_EXISTS) {
                    throw e;
                }
            }
            release.add(() -> releaseQuietly(side, snapshot, stepTag));
        }

        /**
         * Sends, transforms and receives one step, under the stall watchdog. When the source's
         * stream can be re-sent by frame, the receive is handed that back channel (through a
         * {@link Ledger} that notes what was asked for).
         */
        private ReceiveResult transfer(StepContext context, ReceiveOptions options, java.util.function.LongConsumer reportMoved,
                                       java.util.function.LongConsumer counted)
                throws IOException, InterruptedException {
            InputStream raw = source.send(context.request());
            Optional<Ledger> ledger = FrameResendChannel.of(raw).map(Ledger::new);
            InputStream wire = null;
            CountingInputStream counting = null;
            InputStream in = null;
            try {
                wire = transform.wrapSend(raw, context);
                counting = new CountingInputStream(wire, n -> {
                    counted.accept(n);
                    reportMoved.accept(n);
                });
                in = transform.wrapReceive(counting, context);
                InputStream receiveFrom = FrameResendChannel.attach(in, ledger.<FrameResendChannel>map(l -> l));
                CountingInputStream watched = counting;
                return supervise(context, watched, () -> target.receive(context.target(), receiveFrom, options),
                        List.of(in, counting, wire, raw));
            } catch (IOException | RuntimeException e) {
                if (ledger.isPresent() && ledger.get().gaveUp() && e instanceof DatasetException de
                        && de.code() == ErrorCode.CORRUPT_STREAM) {
                    throw new FrameResendsExhausted(de);
                }
                Optional<LinkLostException> lost = linkLost(e);
                if (lost.isPresent() && !(e instanceof StalledException)) {
                    SnapshotName snapshot = context.request().snapshot();
                    long moved = counting == null ? 0 : counting.bytes();
                    throw new LinkLostException(lost.get().peer(), lost.get().detail(), "connection to " + lost.get().peer()
                            + " lost during the transfer of " + snapshot + " after " + moved + " bytes (" + lost.get().detail()
                            + "); the target keeps no partial snapshot and the next run sends " + snapshot + " again", e);
                }
                throw e;
            } finally {
                if (counting != null) {
                    counted.accept(counting.bytes());
                }
                closeQuietly(in);
                closeQuietly(counting);
                closeQuietly(wire);
                closeQuietly(raw);
            }
        }

        /** Moves the cursor onto {@code snapshot} on both sides at once (see {@link #cursorMoves}). */
        private void moveCursor(DatasetName ds, DatasetName dst, SnapshotRef snapshot, String targetName,
                                Optional<Holds> onSource, Optional<Holds> onTarget) {
            together(cursorMoves(ds, dst, snapshot, targetName, onSource, onTarget));
        }

        /**
         * The work of moving the cursor onto {@code snapshot}, one task per side (none for a
         * bookmark, which cannot be held). With the holds the tree listing showed (kept up to date
         * as this run places and releases them), a side's task acts only where the cursor is
         * missing or misplaced, without asking the endpoint where it is: nothing at all when it is
         * already right. On each side the new hold is placed before the old one is released.
         */
        private List<Runnable> cursorMoves(DatasetName ds, DatasetName dst, SnapshotRef snapshot, String targetName,
                                           Optional<Holds> onSource, Optional<Holds> onTarget) {
            if (snapshot.isBookmark()) {
                return List.of();
            }
            SnapshotName keepOnSource = ds.snapshot(snapshot.name());
            SnapshotName keepOnTarget = dst.snapshot(targetName);
            return List.of(() -> placeCursor(source, onSource, keepOnSource), () -> placeCursor(target, onTarget, keepOnTarget));
        }

        private void placeCursor(Endpoint side, Optional<Holds> holds, SnapshotName keep) {
            if (holds.isEmpty()) {
                ensureHold(side, keep, cursorTag);
                releaseOthers(side, keep.dataset(), keep);
                return;
            }
            Holds h = holds.get();
            if (!cursorKnownOn(holds, keep)) {
                ensureHold(side, keep, cursorTag);
                h.placed(keep, cursorTag);
            }
            for (SnapshotName s : List.copyOf(h.tags().keySet())) {
                // the map covers the whole tree: only this dataset's snapshots are looked at
                if (s.dataset().equals(keep.dataset()) && !s.equals(keep) && h.tags().get(s).contains(cursorTag)) {
                    side.release(s, cursorTag);
                    h.released(s, cursorTag);
                }
            }
        }

        private void ensureHold(Endpoint side, SnapshotName snapshot, String tag) {
            try {
                side.hold(snapshot, tag);
            } catch (DatasetException e) {
                if (e.code() != ErrorCode.ALREADY_EXISTS) {
                    throw e;
                }
            }
        }

        private void releaseOthers(Endpoint side, DatasetName dataset, SnapshotName keep) {
            for (Snapshot s : side.listSnapshots(dataset)) {
                if (s.holds() > 0 && !s.name().equals(keep) && side.holds(s.name()).contains(cursorTag)) {
                    side.release(s.name(), cursorTag);
                }
            }
        }

        private void releaseQuietly(Endpoint side, SnapshotName snapshot, String tag) {
            try {
                side.release(snapshot, tag);
            } catch (RuntimeException e) {
                if (!(e instanceof DatasetException de && de.code() == ErrorCode.NOT_FOUND)) {
                    log.warn("task {}: could not release hold {} on {}: {}", spec.taskId(), tag, snapshot, e.getMessage());
                }
            }
        }

        private DatasetResult failed(DatasetName ds, DatasetName dst, Instant t0, int attempts, DatasetFailure f) {
            return result(ds, dst, Optional.empty(), List.of(), 0, t0, attempts, Optional.of(f));
        }

        private DatasetResult result(DatasetName ds, DatasetName dst, Optional<Plan> plan, List<SnapshotName> received,
                                     long bytes, Instant t0, int attempts, Optional<DatasetFailure> failure) {
            return new DatasetResult(ds, dst, plan, received, bytes, Duration.between(t0, clock.instant()), attempts, failure,
                    Optional.ofNullable(newestOnTarget.get(dst)));
        }
    }

    /**
     * The back channel between a step's receive and its source's stream, noting the frames asked
     * for again: a receive gives up on a frame when it came bad {@link StreamReader#MAX_COPIES}
     * times, that is after asking for it one time fewer. Called from the transfer thread (a local
     * receive) or the thread feeding a remote one.
     */
    private static final class Ledger implements FrameResendChannel {
        private final FrameResendChannel sender;
        private long lastSeq = -1;
        private int lastCount;

        Ledger(FrameResendChannel sender) {
            this.sender = sender;
        }

        @Override
        public synchronized void requestFrom(long seq) throws IOException {
            sender.requestFrom(seq);
            lastCount = seq == lastSeq ? lastCount + 1 : 1;
            lastSeq = seq;
        }

        /** True when the last frame asked for was asked for as often as a receive does before it gives up on it. */
        synchronized boolean gaveUp() {
            return lastCount >= StreamReader.MAX_COPIES - 1;
        }
    }

    /** The receive gave up on a frame that came bad every time it was sent: sending the step again would not help. */
    private static final class FrameResendsExhausted extends DatasetException {
        private static final long serialVersionUID = 1L;

        FrameResendsExhausted(DatasetException cause) {
            super(cause.code(), cause.getMessage(), cause);
        }
    }

    @FunctionalInterface
    private interface Receive {
        ReceiveResult call() throws IOException;
    }

    /**
     * Runs the receive on a transfer thread and watches the bytes: when none moves for the stall
     * timeout, closes {@code streams} and interrupts the thread, then waits up to the stall timeout
     * again for it to end.
     */
    private ReceiveResult supervise(StepContext context, CountingInputStream watched, Receive receive,
                                    List<InputStream> streams) throws IOException, InterruptedException {
        CompletableFuture<ReceiveResult> done = new CompletableFuture<>();
        Thread worker = new Thread(() -> {
            try {
                done.complete(receive.call());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        }, "snapferry-transfer-" + context.target());
        worker.setDaemon(true);
        worker.start();
        long stall = settings.stallTimeout().toNanos();
        long poll = Math.max(TimeUnit.MILLISECONDS.toNanos(5), Math.min(stall / 4, TimeUnit.SECONDS.toNanos(1)));
        try {
            while (true) {
                try {
                    return done.get(poll, TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    if (!watched.finished() && watched.idleNanos() >= stall) {
                        streams.forEach(Replicator::closeQuietly);
                        worker.interrupt();
                        worker.join(settings.stallTimeout().toMillis());
                        boolean stopped = !worker.isAlive();
                        throw new StalledException("no data moved for " + settings.stallTimeout() + " while sending "
                                + context.request().snapshot() + " to " + context.target() + " (" + watched.bytes()
                                + " bytes moved); aborted" + (stopped ? "" : ", but the receive did not stop"), stopped);
                    }
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException(cause);
        } catch (InterruptedException e) {
            streams.forEach(Replicator::closeQuietly);
            worker.interrupt();
            throw e;
        }
    }

    /** Runs {@code work} on a daemon thread of its own named {@code name}, with the caller's logging context. */
    static <T> CompletableFuture<T> inBackground(String name, java.util.function.Supplier<T> work) {
        CompletableFuture<T> done = new CompletableFuture<>();
        Map<String, String> logContext = org.slf4j.MDC.getCopyOfContextMap();
        Thread t = new Thread(() -> {
            if (logContext != null) {
                org.slf4j.MDC.setContextMap(logContext); // the task's name in every log line
            }
            try {
                done.complete(work.get());
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return done;
    }

    /**
     * Runs {@code tasks} at once, the first on this thread and each other on a thread of its own,
     * and returns when all have ended; then throws the first failure (the others suppressed).
     */
    static void together(List<Runnable> tasks) {
        List<CompletableFuture<Void>> others = new ArrayList<>();
        for (Runnable task : tasks.subList(Math.min(1, tasks.size()), tasks.size())) {
            others.add(inBackground("snapferry-holds", () -> {
                task.run();
                return null;
            }));
        }
        RuntimeException first = null;
        if (!tasks.isEmpty()) {
            try {
                tasks.get(0).run();
            } catch (RuntimeException e) {
                first = e;
            }
        }
        for (CompletableFuture<Void> other : others) {
            try {
                await(other);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * The result of {@code work}, or what it threw; interrupted, the interrupt flag is set again
     * and an {@link UncheckedIOException} says so (the work itself goes on to its end).
     */
    static <T> T await(CompletableFuture<T> work) {
        try {
            return work.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new java.io.InterruptedIOException("interrupted while listing"));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
    }

    /** Waits for {@code work} to end, whatever its outcome; stops waiting (flag set again) when interrupted. */
    static void awaitQuietly(CompletableFuture<?> work) {
        try {
            work.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            log.debug("a background listing failed after the run had given up on it: {}", e.getCause().toString());
        }
    }

    /** The {@link LinkLostException} behind {@code e}, if a lost connection is what failed. */
    static Optional<LinkLostException> linkLost(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof LinkLostException l) {
                return Optional.of(l);
            }
        }
        return Optional.empty();
    }

    static DatasetFailure classify(Throwable e) {
        Optional<LinkLostException> lost = linkLost(e);
        if (lost.isPresent() && !(e instanceof DatasetException) && !(e instanceof StalledException)) {
            return new DatasetFailure(DatasetFailure.Reason.TRANSPORT_ERROR, ErrorCode.Category.TRANSIENT, Optional.empty(),
                    lost.get().getMessage());
        }
        if (e instanceof DatasetException de) {
            return new DatasetFailure(DatasetFailure.Reason.DATASET_ERROR, de.code().category(), Optional.of(de.code()),
                    de.getMessage());
        }
        if (e instanceof StalledException se) {
            return new DatasetFailure(DatasetFailure.Reason.STALLED,
                    se.stopped() ? ErrorCode.Category.TRANSIENT : ErrorCode.Category.PERMANENT, Optional.empty(), se.getMessage());
        }
        if (e instanceof IOException || e instanceof UncheckedIOException) {
            return new DatasetFailure(DatasetFailure.Reason.TRANSPORT_ERROR, ErrorCode.Category.TRANSIENT, Optional.empty(),
                    "transfer failed: " + e.getMessage());
        }
        return new DatasetFailure(DatasetFailure.Reason.INTERNAL, ErrorCode.Category.PERMANENT, Optional.empty(),
                e.getClass().getSimpleName() + ": " + e.getMessage());
    }

    private static DatasetFailure interrupted() {
        return new DatasetFailure(DatasetFailure.Reason.INTERRUPTED, ErrorCode.Category.TRANSIENT, Optional.empty(),
                "the replication was interrupted");
    }

    private static void closeQuietly(InputStream in) {
        if (in == null) {
            return;
        }
        try {
            in.close();
        } catch (IOException | RuntimeException e) {
            log.debug("closing a transfer stream failed: {}", e.toString());
        }
    }
}
