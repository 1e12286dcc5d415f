package io.snapferry.retention;

import static io.snapferry.retention.Fixtures.at;
import static io.snapferry.retention.Fixtures.byName;
import static io.snapferry.retention.Fixtures.destroyed;
import static io.snapferry.retention.Fixtures.foreign;
import static io.snapferry.retention.Fixtures.held;
import static io.snapferry.retention.Fixtures.kept;
import static io.snapferry.retention.Fixtures.named;
import static io.snapferry.retention.Fixtures.protect;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetentionEngineTest {
    private static final Instant NOW = Instant.parse("2026-06-10T12:00:00Z");
    private static final RetentionPolicy KEEP_NOTHING = RetentionPolicy.AnyOf.of();

    @Test
    void candidatesFromProviderSnapshots() {
        io.snapferry.dataset.Snapshot listed = new io.snapferry.dataset.Snapshot(Fixtures.DATASET.snapshot("auto-2026-06-01_10-00"),
                77, 12, Instant.parse("2026-06-01T10:00:03Z"), 0, 0, 1);
        RetentionCandidate matched = RetentionCandidate.matched(listed, Fixtures.SCHEMA, Instant.parse("2026-06-01T10:00:00Z"),
                List.of("not yet replicated"));
        assertThat(matched.eligible()).isTrue();
        assertThat(matched.guid()).isEqualTo(77);
        assertThat(matched.createTxg()).isEqualTo(12);
        assertThat(matched.holds()).isEqualTo(1);
        assertThat(matched.shortName()).isEqualTo("auto-2026-06-01_10-00");
        RetentionCandidate other = RetentionCandidate.foreign(listed, List.of());
        assertThat(other.eligible()).isFalse();
        assertThat(other.createdAt()).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RetentionCandidate(listed.name(), 1,
                        java.util.Optional.of(NOW), 1, 0, List.of(), java.util.Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("comes with the schema");
    }

    @Test
    void emptyListGivesAnEmptyPlan() {
        assertThat(RetentionEngine.plan(List.of(), RetentionPolicy.Lifetime.parse("1d"), NOW).decisions()).isEmpty();
    }

    @Test
    void snapshotsOfOtherToolsAreAlwaysKept() {
        List<RetentionCandidate> in = List.of(foreign("autosnap_2026-01-01_00:00:00_hourly"), foreign("manual-before-upgrade"),
                at("2020-01-01T00:00:00Z"), at("2021-01-01T00:00:00Z"));
        RetentionPlan plan = RetentionEngine.plan(in, KEEP_NOTHING, NOW);
        assertThat(plan.decisions()).extracting(Decision::reason).startsWith(RetentionEngine.FOREIGN, RetentionEngine.FOREIGN);
        assertThat(destroyed(plan)).containsExactly("auto-2020-01-01T00-00-00");
        assertThat(plan.decisions().get(3).reason()).startsWith("newest snapshot of schema auto-%Y-%m-%d_%H-%M")
                .contains("the policy alone would destroy it: no retention rule keeps it");
    }

    @Test
    void heldProtectedAndNewestAreNeverDestroyedAndSayWhy() {
        List<RetentionCandidate> in = List.of(
                held(at("2026-01-01T00:00:00Z"), 2),
                protect(at("2026-01-02T00:00:00Z"), "incremental base of replication offsite"),
                protect(held(at("2026-01-03T00:00:00Z"), 1), "not yet replicated"),
                at("2026-01-04T00:00:00Z"),
                at("2026-01-05T00:00:00Z"));
        RetentionPlan plan = RetentionEngine.plan(in, RetentionPolicy.Lifetime.parse("1d"), NOW);
        assertThat(plan.decisions()).extracting(Decision::reason).containsExactly(
                "held (2 holds) (the policy alone would destroy it: lifetime 1d: expired at 2026-01-02T00:00:00Z)",
                "protected: incremental base of replication offsite (the policy alone would destroy it: lifetime 1d: expired at 2026-01-03T00:00:00Z)",
                "held (1 hold); protected: not yet replicated (the policy alone would destroy it: lifetime 1d: expired at 2026-01-04T00:00:00Z)",
                "lifetime 1d: expired at 2026-01-05T00:00:00Z",
                "newest snapshot of schema auto-%Y-%m-%d_%H-%M (the policy alone would destroy it: lifetime 1d: expired at 2026-01-06T00:00:00Z)");
        assertThat(destroyed(plan)).containsExactly("auto-2026-01-04T00-00-00");
    }

    @Test
    void allProtectedKeepsAll() {
        List<RetentionCandidate> in = List.of(protect(at("2026-01-01T00:00:00Z"), "x"), protect(at("2026-01-02T00:00:00Z"), "y"));
        assertThat(RetentionEngine.plan(in, KEEP_NOTHING, NOW).toDestroy()).isEmpty();
    }

    @Test
    void lifetimeBoundaryKeepsUntilCreationPlusLifetimeIsBeforeNow() {
        List<RetentionCandidate> in = List.of(
                at("2026-06-09T12:00:00Z"), // + 1d == now: kept
                at("2026-06-09T11:59:00Z"), // + 1d < now: destroyed
                at("2026-06-10T11:00:00Z"));
        RetentionPlan plan = RetentionEngine.plan(in, RetentionPolicy.Lifetime.parse("1d"), NOW);
        assertThat(kept(plan)).containsExactly("auto-2026-06-09T12-00-00", "auto-2026-06-10T11-00-00");
        assertThat(plan.decisions().get(0).reason()).isEqualTo("lifetime 1d: expires at 2026-06-10T12:00:00Z");
    }

    @Test
    void lifetimePerSchema() {
        Instant old = NOW.minus(Duration.ofDays(10));
        List<RetentionCandidate> in = List.of(
                named("hourly-a", "hourly-%Y", old, 1), named("hourly-b", "hourly-%Y", NOW, 2),
                named("daily-a", "daily-%Y", old, 3), named("daily-b", "daily-%Y", NOW, 4));
        RetentionPolicy p = RetentionPolicy.AnyOf.of(
                new RetentionPolicy.PerSchema("hourly-%Y", RetentionPolicy.Lifetime.parse("2d")),
                new RetentionPolicy.PerSchema("daily-%Y", RetentionPolicy.Lifetime.parse("2w")));
        RetentionPlan plan = RetentionEngine.plan(in, p, NOW);
        assertThat(destroyed(plan)).containsExactly("hourly-a");
        assertThat(byName(plan).get(Fixtures.DATASET.snapshot("hourly-a")).reason())
                .startsWith("lifetime 2d: expired at ")
                .endsWith("; lifetime 2w: applies only to schema daily-%Y");
    }

    @Test
    void gridBucketsIncludeTheirNewerEdgeAndExcludeTheirOlderEdge() {
        // two 1h intervals: (now-1h, now] and (now-2h, now-1h]
        RetentionPolicy grid = RetentionPolicy.Grid.parse("2x1h");
        List<RetentionCandidate> in = List.of(
                at("2026-06-10T12:05:00Z"), // future: kept (and the newest)
                at("2026-06-10T12:00:00Z"), // == now: interval 1, younger than its oldest -> destroyed
                at("2026-06-10T11:30:00Z"), // interval 1, its oldest -> kept
                at("2026-06-10T11:00:00Z"), // edge between 1 and 2: belongs to 2 (newer edge inclusive), younger -> destroyed
                at("2026-06-10T10:30:00Z"), // interval 2, oldest -> kept
                at("2026-06-10T10:00:00Z"), // oldest edge of the grid: outside -> destroyed
                at("2026-06-10T09:00:00Z")); // older than the grid -> destroyed
        RetentionPlan plan = RetentionEngine.plan(in, grid, NOW);
        assertThat(kept(plan)).containsExactly("auto-2026-06-10T12-05-00", "auto-2026-06-10T11-30-00", "auto-2026-06-10T10-30-00");
        assertThat(plan.decisions()).extracting(Decision::reason).containsExactly(
                "newest snapshot of schema auto-%Y-%m-%d_%H-%M",
                "grid 2x1h: interval 1 of 2 (1h, 2026-06-10T11:00:00Z exclusive to 2026-06-10T12:00:00Z) already keeps its oldest",
                "grid 2x1h: interval 1 of 2 (1h, 2026-06-10T11:00:00Z exclusive to 2026-06-10T12:00:00Z): the oldest",
                "grid 2x1h: interval 2 of 2 (1h, 2026-06-10T10:00:00Z exclusive to 2026-06-10T11:00:00Z) already keeps its oldest",
                "grid 2x1h: interval 2 of 2 (1h, 2026-06-10T10:00:00Z exclusive to 2026-06-10T11:00:00Z): the oldest",
                "grid 2x1h: older than the grid (which reaches back to 2026-06-10T10:00:00Z, exclusive)",
                "grid 2x1h: older than the grid (which reaches back to 2026-06-10T10:00:00Z, exclusive)");
    }

    @Test
    void gridFutureSnapshotsAreKeptEvenWhenNotNewest() {
        List<RetentionCandidate> in = List.of(at("2026-06-10T13:00:00Z"), at("2026-06-10T14:00:00Z"));
        RetentionPlan plan = RetentionEngine.plan(in, RetentionPolicy.Grid.parse("1x1h"), NOW);
        assertThat(plan.decisions().get(0).reason()).isEqualTo("grid 1x1h: dated in the future (after 2026-06-10T12:00:00Z)");
        assertThat(plan.toDestroy()).isEmpty();
    }

    @Test
    void gridKeepCountsAndKeepAll() {
        List<RetentionCandidate> in = new ArrayList<>();
        for (int m = 0; m < 60; m += 10) {
            in.add(at(String.format("2026-06-10T11:%02d:00Z", m)));  // interval 1 (keep=all)
            in.add(at(String.format("2026-06-10T10:%02d:00Z", m)));  // interval 2 (keep=2), except 10:00: the grid's oldest edge
        }
        in.add(at("2026-06-10T12:00:00Z"));
        RetentionPlan plan = RetentionEngine.plan(in, RetentionPolicy.Grid.parse("1x1h(keep=all) | 1x1h(keep=2)"), NOW);
        // interval 2 holds 10:10 .. 10:50 and 11:00 (its newer edge): the two oldest stay
        assertThat(destroyed(plan)).containsExactlyInAnyOrder("auto-2026-06-10T10-00-00", "auto-2026-06-10T10-30-00",
                "auto-2026-06-10T10-40-00", "auto-2026-06-10T10-50-00", "auto-2026-06-10T11-00-00");
        assertThat(kept(plan)).containsExactlyInAnyOrder("auto-2026-06-10T10-10-00", "auto-2026-06-10T10-20-00",
                "auto-2026-06-10T11-10-00", "auto-2026-06-10T11-20-00", "auto-2026-06-10T11-30-00",
                "auto-2026-06-10T11-40-00", "auto-2026-06-10T11-50-00", "auto-2026-06-10T12-00-00");
    }

    @Test
    void equalTimestampsAreOrderedByTxgThenNameWhateverTheInputOrder() {
        Instant t = Instant.parse("2026-06-10T11:30:00Z");
        List<RetentionCandidate> in = new ArrayList<>(List.of(
                named("auto-a", Fixtures.SCHEMA, t, 7), named("auto-b", Fixtures.SCHEMA, t, 5),
                named("auto-c", Fixtures.SCHEMA, t, 5), named("auto-d", Fixtures.SCHEMA, NOW.plusSeconds(1), 9)));
        RetentionPolicy grid = RetentionPolicy.Grid.parse("1x1h");
        List<String> expected = List.of("auto-b", "auto-d");
        Random random = new Random(42);
        for (int i = 0; i < 20; i++) {
            Collections.shuffle(in, random);
            RetentionPlan plan = RetentionEngine.plan(in, grid, NOW);
            assertThat(kept(plan)).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(plan.decisions()).extracting(Decision::snapshot).containsExactlyElementsOf(in);
        }
    }

    @Test
    void newestOfEachSchemaIsKept() {
        Instant old = NOW.minus(Duration.ofDays(100));
        List<RetentionCandidate> in = List.of(
                named("h1", "hourly", old, 1), named("h2", "hourly", old.plusSeconds(60), 2),
                named("d1", "daily", old, 3), named("d2", "daily", old.plusSeconds(60), 4));
        RetentionPlan plan = RetentionEngine.plan(in, RetentionPolicy.Lifetime.parse("1d"), NOW);
        assertThat(kept(plan)).containsExactly("h2", "d2");
    }

    @Test
    void scopedRuleAndKeepEverythingNotMatching() {
        Instant t = NOW.minus(Duration.ofDays(3));
        List<RetentionCandidate> in = List.of(
                named("frequent-1", "s", t, 1), named("frequent-2", "s", t.plusSeconds(60), 2),
                named("frequent-3", "s", t.plusSeconds(120), 3), named("other-1", "s", t, 4),
                named("other-2", "s", t.plusSeconds(1), 5), named("zz-newest", "s", t.plusSeconds(500), 6));
        RetentionPolicy scopedOnly = RetentionPolicy.Scoped.of("^frequent-",
                RetentionPolicy.KeepCounts.parse("last=1", java.time.ZoneOffset.UTC));
        RetentionPlan alone = RetentionEngine.plan(in, scopedOnly, NOW);
        // the rule keeps one of its scope and nothing outside it
        assertThat(kept(alone)).containsExactly("frequent-3", "zz-newest");
        assertThat(byName(alone).get(Fixtures.DATASET.snapshot("other-1")).reason())
                .isEqualTo("keep last=1: applies only to names matching /^frequent-/");
        RetentionPlan withRest = RetentionEngine.plan(in,
                RetentionPolicy.AnyOf.of(scopedOnly, RetentionPolicy.KeepMatching.of("^frequent-", true)), NOW);
        assertThat(destroyed(withRest)).containsExactly("frequent-1", "frequent-2");
        assertThat(byName(withRest).get(Fixtures.DATASET.snapshot("other-1")).reason())
                .isEqualTo("keep not matching /^frequent-/: does not match");
        assertThat(byName(withRest).get(Fixtures.DATASET.snapshot("frequent-1")).reason())
                .isEqualTo("keep last=1: not selected; keep not matching /^frequent-/: matches");
    }

    @Test
    void combinedRulesKeepWhatAnyRuleKeepsAndListEveryReason() {
        List<RetentionCandidate> in = List.of(at("2026-06-01T00:00:00Z"), at("2026-06-09T00:00:00Z"), at("2026-06-10T11:00:00Z"));
        RetentionPolicy p = RetentionPolicy.AnyOf.of(RetentionPolicy.Lifetime.parse("1d"), RetentionPolicy.Grid.parse("1x1d | 1x1w"));
        RetentionPlan plan = RetentionEngine.plan(in, p, NOW);
        assertThat(destroyed(plan)).containsExactly("auto-2026-06-01T00-00-00");
        assertThat(plan.decisions().get(0).reason()).isEqualTo("lifetime 1d: expired at 2026-06-02T00:00:00Z; "
                + "grid 1x1d | 1x1w: older than the grid (which reaches back to 2026-06-02T12:00:00Z, exclusive)");
        assertThat(plan.decisions().get(1).reason()).isEqualTo(
                "grid 1x1d | 1x1w: interval 2 of 2 (1w, 2026-06-02T12:00:00Z exclusive to 2026-06-09T12:00:00Z): the oldest");
    }

    @Test
    void everyDecisionHasAReason() {
        List<RetentionCandidate> in = new ArrayList<>();
        for (int h = 0; h < 200; h++) {
            in.add(at(NOW.minus(Duration.ofHours(h)).toString()));
        }
        in.add(foreign("manual"));
        RetentionPolicy p = RetentionPolicy.AnyOf.of(RetentionPolicy.Grid.parse("1x1h(keep=all) | 24x1h | 7x1d"),
                RetentionPolicy.KeepCounts.parse("last=3,daily=3", java.time.ZoneOffset.UTC));
        RetentionPlan plan = RetentionEngine.plan(in, p, NOW);
        assertThat(plan.decisions()).hasSize(in.size()).allSatisfy(d -> assertThat(d.reason()).isNotBlank());
        assertThat(plan.toKeep().size() + plan.toDestroy().size()).isEqualTo(in.size());
    }
}
