package io.snapferry.replication.plan;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlannerTest {

    private static Plan plan(String source, String target) {
        return Planner.plan(new PlanDsl().request(source, target));
    }

    private static Plan planFromScratch(String source, String target) {
        return Planner.plan(new PlanDsl().request(source, target).withAllowFromScratch(true));
    }

    // source | target | expected plan ("a*" names are eligible, others are not)
    @ParameterizedTest(name = "[{index}] {0} -> {1} = {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # first replication: absent or empty target, full send of the oldest eligible then one -I stream
            a1 a2 a3          | -          | full a1; -I a1 a3
            a1                | -          | full a1
            a1 a2             | ''         | full a1; -i a1 a2
            m0 a1 a2 a3       | -          | full a1; -I a1 a3
            a1 m2 a3          | -          | full a1; -i a1 a3
            # incremental, every intermediate eligible: ONE step with intermediates (zrepl basic case)
            a1 a2 a3 a4       | a1 a2      | -I a2 a4
            a1 a2 a3          | a1 a2      | -i a2 a3
            # an ineligible snapshot in between is hopped over with -i; runs of eligible ones stay -I
            a1 a2 m3 a4       | a1 a2      | -i a2 a4
            a1 a2 a3 m4 a5 a6 a7 | a1      | -I a1 a3; -i a3 a5; -I a5 a7
            a1 m2 m3 a4 a5    | a1         | -i a1 a4; -i a4 a5
            # ineligible snapshots after the newest eligible one are not sent
            a1 a2 m3          | a1         | -i a1 a2
            # the common base may itself be ineligible: it is only the base
            a1 m2 a3          | a1 m2      | -i m2 a3
            # up to date: target has the newest eligible; older gaps do not matter (zrepl)
            a1 a2             | a1 a2      | up-to-date a2
            a1 a2 m3          | a1 a2      | up-to-date a2
            a1 a2 a3          | a3         | up-to-date a3
            a1 a2 a3          | a1 a3      | up-to-date a3
            a2 a3 a4          | a1 a2      | -I a2 a4
            a1 m2             | a1 m2      | up-to-date m2
            # diverged: target has snapshots after the common one that the source lacks
            a1 a2             | a1 b2      | diverged at a1: target-only [b2]
            a1 a2 a3          | a1 a2 x9   | diverged at a2: target-only [x9]
            # target ahead of the source (source pruned or rolled back): diverged too, as in zrepl
            a1 a2             | a1 a2 a3   | diverged at a2: target-only [a3]
            # same name, different GUID: a conflict, never a common snapshot
            a1 a2             | a1 a2=z    | diverged at a1: target-only [a2]
            a1 a2             | a2=z       | no-common
            # no common snapshot
            a1 a2             | b1 b2      | no-common
            a3 a4             | a1 a2      | no-common
            # target exists without snapshots but with data
            a1 a2             | !          | target-has-data
            # nothing to send
            ''                | -          | nothing NO_SOURCE_SNAPSHOTS
            m1 m2             | -          | nothing NO_ELIGIBLE_SNAPSHOTS
            m1 m2             | b1         | nothing NO_ELIGIBLE_SNAPSHOTS
            ''                | a1         | nothing NO_SOURCE_SNAPSHOTS
            # common base pruned on the source but kept as a bookmark (zrepl bookmark support)
            '#a1 a2 a3'       | a1         | -i #a1 a2; -i a2 a3
            '#a1 a2 a3 a4'    | a1         | -i #a1 a2; -I a2 a4
            '#a1 m2 a3'       | a1         | -i #a1 a3
            '#a1 a2'          | a1         | -i #a1 a2
            '#a1'             | a1         | up-to-date #a1
            # a snapshot is preferred over a bookmark of the same GUID (zrepl)
            '#a1 a1 a2'       | a1         | -i a1 a2
            # bookmarks of snapshots older than the target's newest do not help
            '#a1 a3'          | a1 a2      | diverged at #a1: target-only [a2]
            """)
    void table(String source, String target, String expected) {
        assertThat(PlanDsl.render(plan(source, target))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1} = {2}")
    @CsvSource(delimiter = '|', textBlock = """
            a1 a2             | b1 b2      | from-scratch replacing [b1 b2]: full a1; -i a1 a2
            a1 a2 a3          | a2=z       | from-scratch replacing [a2]: full a1; -I a1 a3
            m0 a1 m2 a3       | b1         | from-scratch replacing [b1]: full a1; -i a1 a3
            a1 a2             | !          | from-scratch replacing [] and data: full a1; -i a1 a2
            # allowing from-scratch changes nothing where there is a common snapshot or no target
            a1 a2             | a1 b2      | diverged at a1: target-only [b2]
            a1 a2             | a1         | -i a1 a2
            a1 a2             | -          | full a1; -i a1 a2
            m1                | b1         | nothing NO_ELIGIBLE_SNAPSHOTS
            """)
    void fromScratchTable(String source, String target, String expected) {
        assertThat(PlanDsl.render(planFromScratch(source, target))).isEqualTo(expected);
    }

    @Test
    void mostRecentInitialReplicationSendsOnlyTheNewestEligible() {
        PlanDsl dsl = new PlanDsl();
        Plan p = Planner.plan(dsl.request("a1 a2 a3 m4", "-").withInitial(PlanRequest.InitialReplication.MOST_RECENT));
        assertThat(PlanDsl.render(p)).isEqualTo("full a3");
        Plan scratch = Planner.plan(dsl.request("a1 a2 a3", "b1").withAllowFromScratch(true)
                .withInitial(PlanRequest.InitialReplication.MOST_RECENT));
        assertThat(PlanDsl.render(scratch)).isEqualTo("from-scratch replacing [b1]: full a3");
    }

    @Test
    void conflictsCarryTheListsTheyCompared() {
        Plan p = plan("a1 a2 a3", "a1 b2 b3");
        assertThat(p).isInstanceOf(Plan.Diverged.class);
        Plan.Diverged d = (Plan.Diverged) p;
        assertThat(PlanDsl.refs(d.targetOnlyAfterCommon())).isEqualTo("b2 b3");
        assertThat(PlanDsl.refs(d.sourceAfterCommon())).isEqualTo("a2 a3");
        assertThat(d.refused()).isTrue();
        assertThat(d.describe()).contains("@b2").contains("@a1");

        Plan.NoCommonSnapshot n = (Plan.NoCommonSnapshot) plan("a1 a2", "x0 a2=z");
        assertThat(PlanDsl.refs(n.source())).isEqualTo("a1 a2");
        assertThat(PlanDsl.refs(n.target())).isEqualTo("x0 a2");
        assertThat(PlanDsl.refs(n.nameConflicts())).isEqualTo("a2");
        assertThat(n.describe()).contains("same name, different snapshot");

        Plan.Diverged named = (Plan.Diverged) plan("a1 a2", "a1 a2=z");
        assertThat(PlanDsl.refs(named.nameConflicts())).isEqualTo("a2");
    }

    @Test
    void onlyRefusalsAreRefused() {
        assertThat(plan("a1 a2", "a1").refused()).isFalse();
        assertThat(plan("a1", "a1").refused()).isFalse();
        assertThat(plan("m1", "-").refused()).isFalse();
        assertThat(plan("a1", "b1").refused()).isTrue();
        assertThat(plan("a1", "!").refused()).isTrue();
        assertThat(planFromScratch("a1", "b1").refused()).isFalse();
    }

    @Test
    void comparesByGuidNotByNameOrListOrder() {
        PlanDsl dsl = new PlanDsl();
        // Renamed on the target: same GUID, other name. The step's base is the source's name.
        List<SnapshotRef> src = dsl.side("a1 a2 a3").snapshots();
        List<SnapshotRef> tgt = List.of(SnapshotRef.snapshot("renamed", dsl.guid("a2"), 5));
        Plan p = Planner.plan(PlanRequest.of(List.of(src.get(2), src.get(0), src.get(1)), Target.of(tgt), PlanDsl.AUTO));
        assertThat(PlanDsl.render(p)).isEqualTo("-i a2 a3");
        assertThat(((Plan.Steps) p).base().orElseThrow().name()).isEqualTo("a2");
    }

    @Test
    void malformedListsAreRejectedWithTheReason() {
        PlanDsl dsl = new PlanDsl();
        List<SnapshotRef> twice = List.of(SnapshotRef.snapshot("a1", 1, 1), SnapshotRef.snapshot("a2", 1, 2));
        assertThatThrownBy(() -> Planner.plan(PlanRequest.of(twice, Target.absent(), PlanDsl.AUTO)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("GUID");
        List<SnapshotRef> sameName = List.of(SnapshotRef.snapshot("a1", 1, 1), SnapshotRef.snapshot("a1", 2, 2));
        assertThatThrownBy(() -> Planner.plan(PlanRequest.of(sameName, Target.absent(), PlanDsl.AUTO)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a1 twice");
        assertThatThrownBy(() -> SnapshotRef.snapshot("-bad", 1, 1)).hasMessageContaining("invalid");
        assertThatThrownBy(() -> PlanRequest.of(dsl.side("#a1").bookmarks(), Target.absent(), PlanDsl.AUTO))
                .hasMessageContaining("sourceBookmarks");
        assertThatThrownBy(() -> new Target(false, true, List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
