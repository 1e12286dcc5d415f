package io.snapferry.replication.plan;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random histories derived from one common sequence of snapshots: the source keeps a pruned
 * prefix-or-all of it, the target received a pruned prefix, and may carry snapshots of its own.
 * Whatever the plan, applying its steps to the target must bring the target to the newest
 * eligible source snapshot, and only eligible snapshots ever travel.
 */
class PlannerProperties {

    /** One generated case. */
    record History(int length, boolean[] eligible, boolean[] onSource, boolean[] bookmarked, int received,
                   boolean[] keptOnTarget, int targetExtras, boolean targetExists, boolean allowFromScratch) {
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("source:");
            for (int i = 0; i < length; i++) {
                if (onSource[i] || bookmarked[i]) {
                    b.append(' ').append(onSource[i] ? "" : "#").append(eligible[i] ? "a" : "m").append(i);
                }
            }
            b.append(" | target:").append(targetExists ? "" : " (absent)");
            for (int i = 0; i < received; i++) {
                if (keptOnTarget[i]) {
                    b.append(' ').append(eligible[i] ? "a" : "m").append(i);
                }
            }
            for (int i = 0; i < targetExtras; i++) {
                b.append(" x").append(i);
            }
            return b.append(allowFromScratch ? " | from-scratch allowed" : "").toString();
        }
    }

    @Provide
    Arbitrary<History> histories() {
        Arbitrary<Integer> length = Arbitraries.integers().between(0, 12);
        return length.flatMap(n -> Combinators.combine(
                bools(n), bools(n), bools(n), Arbitraries.integers().between(0, n), bools(n),
                Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 9), Arbitraries.of(true, false))
                .as((eligible, onSource, bookmarked, received, kept, extras, exists, scratch) ->
                        new History(n, eligible, onSource, bookmarked, received, kept, extras, exists > 0, scratch)));
    }

    private static Arbitrary<boolean[]> bools(int n) {
        return Arbitraries.of(true, true, false).array(boolean[].class).ofSize(n);
    }

    @Property(tries = 1000)
    void applyingThePlanReachesTheNewestEligibleSnapshot(@ForAll("histories") History h) {
        List<SnapshotRef> source = new ArrayList<>();
        List<SnapshotRef> bookmarks = new ArrayList<>();
        Set<String> eligibleNames = new HashSet<>();
        for (int i = 0; i < h.length(); i++) {
            String name = (h.eligible()[i] ? "a" : "m") + i;
            if (h.eligible()[i]) {
                eligibleNames.add(name);
            }
            if (h.onSource()[i]) {
                source.add(SnapshotRef.snapshot(name, 100 + i, 10 + i));
            } else if (h.bookmarked()[i]) {
                bookmarks.add(SnapshotRef.bookmark(name, 100 + i, 10 + i));
            }
        }
        List<SnapshotRef> targetSnaps = new ArrayList<>();
        if (h.targetExists()) {
            for (int i = 0; i < h.received(); i++) {
                if (h.keptOnTarget()[i]) {
                    targetSnaps.add(SnapshotRef.snapshot((h.eligible()[i] ? "a" : "m") + i, 100 + i, 500 + i));
                }
            }
            for (int i = 0; i < h.targetExtras(); i++) {
                targetSnaps.add(SnapshotRef.snapshot("x" + i, 900 + i, 900 + i));
            }
        }
        Predicate<String> filter = eligibleNames::contains;
        Target target = h.targetExists() ? Target.of(targetSnaps) : Target.absent();
        PlanRequest request = new PlanRequest(source, bookmarks, target, filter, h.allowFromScratch(),
                PlanRequest.InitialReplication.ALL);

        Plan plan = Planner.plan(request);
        Statistics.collect(plan.getClass().getSimpleName());
        Statistics.coverage(c -> {
            // The property says little unless the interesting outcomes really occur.
            c.check("Steps").percentage(p -> p > 10);
            c.check("FromScratch").percentage(p -> p > 2);
            c.check("UpToDate").percentage(p -> p > 2);
            c.check("Diverged").percentage(p -> p > 2);
        });

        Set<Long> sourceGuids = new HashSet<>();
        source.forEach(s -> sourceGuids.add(s.guid()));
        Set<Long> bookmarkGuids = new HashSet<>();
        bookmarks.forEach(s -> bookmarkGuids.add(s.guid()));
        Optional<SnapshotRef> newestEligible = source.stream().filter(s -> filter.test(s.name())).reduce((a, b) -> b);

        if (plan instanceof Plan.Steps || plan instanceof Plan.FromScratch) {
            List<Long> after = apply(plan, source, targetSnaps, filter);
            assertThat(after.get(after.size() - 1)).isEqualTo(newestEligible.orElseThrow().guid());
        } else if (plan instanceof Plan.UpToDate u) {
            long newestTarget = targetSnaps.get(targetSnaps.size() - 1).guid();
            assertThat(newestTarget).isEqualTo(u.common().guid());
            assertThat(sourceGuids.contains(newestTarget) || bookmarkGuids.contains(newestTarget)).isTrue();
            newestEligible.ifPresent(e -> assertThat(e.createTxg()).isLessThanOrEqualTo(u.common().createTxg()));
        } else if (plan instanceof Plan.Diverged d) {
            assertThat(d.targetOnlyAfterCommon()).isNotEmpty()
                    .allSatisfy(t -> assertThat(sourceGuids.contains(t.guid()) || bookmarkGuids.contains(t.guid())).isFalse());
        } else if (plan instanceof Plan.NoCommonSnapshot) {
            assertThat(h.allowFromScratch()).isFalse();
            assertThat(targetSnaps).isNotEmpty()
                    .allSatisfy(t -> assertThat(sourceGuids.contains(t.guid()) || bookmarkGuids.contains(t.guid())).isFalse());
        } else if (plan instanceof Plan.NothingToSend) {
            assertThat(newestEligible).isEmpty();
            assertThat(targetSnaps).allSatisfy(t -> assertThat(sourceGuids.contains(t.guid()) || bookmarkGuids.contains(t.guid())).isFalse());
        } else {
            throw new AssertionError("unexpected plan " + plan + " for " + h);
        }
    }

    /** Plays the steps against a model of the target; returns its GUIDs afterwards, oldest first. */
    private static List<Long> apply(Plan plan, List<SnapshotRef> source, List<SnapshotRef> targetSnaps, Predicate<String> filter) {
        List<Long> target = new ArrayList<>();
        targetSnaps.forEach(t -> target.add(t.guid()));
        if (plan instanceof Plan.FromScratch f) {
            assertThat(f.replaced()).containsExactlyElementsOf(targetSnaps);
            target.clear();
        }
        Map<Long, Integer> index = new HashMap<>();
        for (int i = 0; i < source.size(); i++) {
            index.put(source.get(i).guid(), i);
        }
        for (Step step : plan.steps()) {
            assertThat(filter.test(step.to().name())).as("sends only eligible snapshots: " + step).isTrue();
            if (step.isFull()) {
                assertThat(target).as("a full send needs an empty target").isEmpty();
                target.add(step.to().guid());
                continue;
            }
            SnapshotRef from = step.from().orElseThrow();
            assertThat(target).as("incremental base is the target's newest").isNotEmpty();
            assertThat(target.get(target.size() - 1)).isEqualTo(from.guid());
            assertThat(from.createTxg()).isLessThan(step.to().createTxg());
            if (step.intermediates()) {
                for (SnapshotRef s : source) {
                    if (s.createTxg() > from.createTxg() && s.createTxg() < step.to().createTxg()) {
                        assertThat(filter.test(s.name())).as("intermediate " + s + " of " + step).isTrue();
                        target.add(s.guid());
                    }
                }
            }
            assertThat(index).containsKey(step.to().guid());
            target.add(step.to().guid());
        }
        return target;
    }
}
