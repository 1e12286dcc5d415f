package io.snapferry.replication.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The replication planner: compares both sides by GUID (never by name) and returns a {@link Plan}.
 * A pure function, safe to call from any thread. Malformed input (the same GUID or name twice in
 * one list) is an {@link IllegalArgumentException}; every state of the two sides is a plan.
 * The algorithm is described in {@code DESIGN.md}.
 */
public final class Planner {
    private static final Comparator<SnapshotRef> BY_TXG = Comparator.comparingLong(SnapshotRef::createTxg);

    private Planner() {
    }

    public static Plan plan(PlanRequest request) {
        List<SnapshotRef> source = sorted(request.source(), "source snapshots");
        List<SnapshotRef> bookmarks = sorted(request.sourceBookmarks(), "source bookmarks");
        List<SnapshotRef> target = sorted(request.target().snapshots(), "target snapshots");

        Map<Long, SnapshotRef> sourceByGuid = new HashMap<>();
        source.forEach(s -> sourceByGuid.put(s.guid(), s));
        Map<Long, SnapshotRef> bookmarkByGuid = new HashMap<>();
        bookmarks.forEach(b -> bookmarkByGuid.put(b.guid(), b));

        // The newest target snapshot the source still has, preferring a snapshot over a bookmark.
        int commonIndex = -1;
        SnapshotRef common = null;
        for (int i = target.size() - 1; i >= 0 && common == null; i--) {
            long guid = target.get(i).guid();
            common = sourceByGuid.containsKey(guid) ? sourceByGuid.get(guid) : bookmarkByGuid.get(guid);
            commonIndex = i;
        }

        if (common != null) {
            List<SnapshotRef> after = newerThan(source, common.createTxg());
            List<SnapshotRef> targetOnly = target.subList(commonIndex + 1, target.size());
            if (!targetOnly.isEmpty()) {
                return new Plan.Diverged(common, targetOnly, after);
            }
            List<Step> steps = steps(Optional.of(common), after, request);
            return steps.isEmpty() ? new Plan.UpToDate(common) : new Plan.Steps(Optional.of(common), steps);
        }

        if (source.isEmpty()) {
            return new Plan.NothingToSend(Plan.NothingToSend.Reason.NO_SOURCE_SNAPSHOTS, "the source has no snapshots");
        }
        List<SnapshotRef> eligible = source.stream().filter(s -> request.eligible().test(s.name())).toList();
        if (eligible.isEmpty()) {
            return new Plan.NothingToSend(Plan.NothingToSend.Reason.NO_ELIGIBLE_SNAPSHOTS,
                    "none of the source's " + source.size() + " snapshot(s) is selected for replication");
        }

        List<Step> steps = initialSteps(source, eligible, request);
        Target t = request.target();
        if (!target.isEmpty()) {
            return request.allowFromScratch()
                    ? new Plan.FromScratch(steps, target, false)
                    : new Plan.NoCommonSnapshot(source, target);
        }
        if (t.unsnapshottedData()) {
            return request.allowFromScratch()
                    ? new Plan.FromScratch(steps, List.of(), true)
                    : new Plan.TargetHasUnsnapshottedData();
        }
        return new Plan.Steps(Optional.empty(), steps);
    }

    /** A full send of the first snapshot to replicate, then incrementals to the newest eligible. */
    private static List<Step> initialSteps(List<SnapshotRef> source, List<SnapshotRef> eligible, PlanRequest request) {
        SnapshotRef first = request.initial() == PlanRequest.InitialReplication.MOST_RECENT
                ? eligible.get(eligible.size() - 1) : eligible.get(0);
        List<Step> steps = new ArrayList<>();
        steps.add(Step.full(first));
        steps.addAll(steps(Optional.of(first), newerThan(source, first.createTxg()), request));
        return steps;
    }

    /**
     * The steps from {@code base} through the eligible snapshots among {@code candidates} (the
     * source snapshots newer than base, oldest first). Consecutive eligible snapshots travel in one
     * {@code -I} stream; an ineligible snapshot between two eligible ones is hopped over with
     * {@code -i}; ineligible snapshots after the newest eligible one are left out.
     */
    private static List<Step> steps(Optional<SnapshotRef> base, List<SnapshotRef> candidates, PlanRequest request) {
        List<Step> steps = new ArrayList<>();
        SnapshotRef prev = base.orElseThrow();
        boolean skipped = false;
        // Whether the last step may be extended with -I to take in the next snapshot.
        boolean extensible = false;
        for (SnapshotRef c : candidates) {
            if (!request.eligible().test(c.name())) {
                skipped = true;
                continue;
            }
            if (!steps.isEmpty() && extensible && !skipped) {
                Step last = steps.remove(steps.size() - 1);
                steps.add(Step.incremental(last.from().orElseThrow(), c, true));
            } else {
                steps.add(Step.incremental(prev, c, false));
                extensible = !skipped && !prev.isBookmark();
            }
            prev = c;
            skipped = false;
        }
        return steps;
    }

    private static List<SnapshotRef> newerThan(List<SnapshotRef> sorted, long txg) {
        return sorted.stream().filter(s -> s.createTxg() > txg).toList();
    }

    private static List<SnapshotRef> sorted(List<SnapshotRef> refs, String what) {
        Set<Long> guids = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (SnapshotRef r : refs) {
            if (!guids.add(r.guid())) {
                throw new IllegalArgumentException(what + " list GUID " + Long.toUnsignedString(r.guid(), 16) + " twice");
            }
            if (!names.add(r.name())) {
                throw new IllegalArgumentException(what + " list the name " + r.name() + " twice");
            }
        }
        List<SnapshotRef> out = new ArrayList<>(refs);
        out.sort(BY_TXG);
        return out;
    }
}
