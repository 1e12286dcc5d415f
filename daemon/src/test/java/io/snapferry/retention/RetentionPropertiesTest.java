package io.snapferry.retention;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/** Over random snapshot sets and random rules: the safety rules hold and every input gets one decision. */
class RetentionPropertiesTest {
    private static final Instant NOW = Instant.parse("2026-06-10T12:00:00Z");
    private static final List<String> SCHEMAS = List.of("auto-%Y-%m-%d_%H-%M", "hourly-%Y%m%d%H%M");

    record Spec(int schema, long offsetSeconds, int holds, boolean isProtected, long txg) {
    }

    @Provide
    Arbitrary<List<RetentionCandidate>> snapshots() {
        Arbitrary<Long> offsets = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.longs().between(-86_400L * 400, 3_600)),
                Tuple.of(2, Arbitraries.of(0L, -3_600L, -86_400L, -7 * 86_400L, 60L)),
                Tuple.of(1, Arbitraries.longs().between(-7_200, 0).map(s -> s / 900 * 900)));
        Arbitrary<Spec> spec = Combinators.combine(
                Arbitraries.integers().between(0, 2), offsets,
                Arbitraries.frequency(Tuple.of(8, 0), Tuple.of(1, 1), Tuple.of(1, 3)),
                Arbitraries.frequency(Tuple.of(9, false), Tuple.of(1, true)),
                Arbitraries.longs().between(1, 50)).as(Spec::new);
        return spec.list().ofMinSize(0).ofMaxSize(80).map(specs -> {
            List<RetentionCandidate> out = new ArrayList<>();
            for (int i = 0; i < specs.size(); i++) {
                Spec s = specs.get(i);
                String name = (s.schema() == 2 ? "manual-" : s.schema() == 0 ? "auto-" : "hourly-") + i;
                boolean foreign = s.schema() == 2;
                out.add(new RetentionCandidate(Fixtures.DATASET.snapshot(name), i,
                        foreign ? Optional.empty() : Optional.of(NOW.plusSeconds(s.offsetSeconds())), s.txg(), s.holds(),
                        s.isProtected() ? List.of("not yet replicated") : List.of(),
                        foreign ? Optional.empty() : Optional.of(SCHEMAS.get(s.schema()))));
            }
            return out;
        });
    }

    @Provide
    Arbitrary<RetentionPolicy> policies() {
        Arbitrary<RetentionPolicy> lifetime = Arbitraries.of("30m", "36h", "1d", "2w", "1y").map(RetentionPolicy.Lifetime::parse);
        Arbitrary<RetentionPolicy> counts = Combinators.combine(
                Arbitraries.integers().between(0, 4).list().ofSize(6),
                Arbitraries.of("UTC", "Europe/Berlin", "America/New_York").map(ZoneId::of))
                .as((c, z) -> new RetentionPolicy.KeepCounts(c.get(0), c.get(1), c.get(2), c.get(3), c.get(4), c.get(5), z));
        Arbitrary<RetentionPolicy> grid = Combinators.combine(
                Arbitraries.integers().between(1, 30), Arbitraries.of("15m", "1h", "1d"),
                Arbitraries.of("", "(keep=all)", "(keep=2)"), Arbitraries.integers().between(1, 20), Arbitraries.of("1d", "1w"))
                .as((n1, d1, k, n2, d2) -> RetentionPolicy.Grid.parse(n1 + "x" + d1 + k + " | " + n2 + "x" + d2));
        Arbitrary<RetentionPolicy> regex = Combinators.combine(Arbitraries.of("^auto-", "1", "^hourly-[0-9]*5$"), Arbitraries.of(true, false))
                .as(RetentionPolicy.KeepMatching::of);
        Arbitrary<RetentionPolicy> leaf = Arbitraries.oneOf(lifetime, counts, grid, regex);
        Arbitrary<RetentionPolicy> scoped = Combinators.combine(Arbitraries.of("^auto-", "[02468]$"), leaf)
                .as(RetentionPolicy.Scoped::of);
        Arbitrary<RetentionPolicy> perSchema = Combinators.combine(Arbitraries.of(SCHEMAS), leaf)
                .as(RetentionPolicy.PerSchema::new);
        Arbitrary<RetentionPolicy> single = Arbitraries.oneOf(leaf, scoped, perSchema);
        Arbitrary<RetentionPolicy> anyOf = single.list().ofMinSize(0).ofMaxSize(3).map(RetentionPolicy.AnyOf::new);
        return Arbitraries.oneOf(single, anyOf);
    }

    @Property(tries = 1000)
    void safetyRulesHoldAndEveryInputGetsExactlyOneDecision(@ForAll("snapshots") List<RetentionCandidate> in,
                                                            @ForAll("policies") RetentionPolicy policy) {
        RetentionPlan plan = RetentionEngine.plan(in, policy, NOW);
        assertThat(plan.decisions()).hasSize(in.size());
        Map<String, RetentionCandidate> newest = new HashMap<>();
        Comparator<RetentionCandidate> order = Comparator.comparing((RetentionCandidate c) -> c.createdAt().get())
                .thenComparingLong(RetentionCandidate::createTxg).thenComparing(RetentionCandidate::name);
        for (RetentionCandidate c : in) {
            if (c.eligible()) {
                newest.merge(c.schema().get(), c, (a, b) -> order.compare(a, b) >= 0 ? a : b);
            }
        }
        for (int i = 0; i < in.size(); i++) {
            Decision d = plan.decisions().get(i);
            RetentionCandidate c = in.get(i);
            assertThat(d.snapshot()).isSameAs(c);
            assertThat(d.reason()).isNotBlank();
            boolean mustKeep = !c.eligible() || c.holds() > 0 || !c.protectedReasons().isEmpty()
                    || newest.get(c.schema().get()) == c;
            if (mustKeep) {
                assertThat(d.action()).as("%s: %s", c.shortName(), d.reason()).isEqualTo(Decision.Action.KEEP);
            }
            if (!c.eligible()) {
                assertThat(d.reason()).isEqualTo(RetentionEngine.FOREIGN);
            }
            if (d.destroy()) {
                assertThat(c.createdAt()).isPresent();
            }
        }
    }

    @Property(tries = 300)
    void planIsIndependentOfInputOrder(@ForAll("snapshots") List<RetentionCandidate> in, @ForAll("policies") RetentionPolicy policy) {
        RetentionPlan forward = RetentionEngine.plan(in, policy, NOW);
        List<RetentionCandidate> reversed = new ArrayList<>(in);
        Collections.reverse(reversed);
        RetentionPlan backward = RetentionEngine.plan(reversed, policy, NOW);
        Map<RetentionCandidate, Decision> byCandidate = new HashMap<>();
        for (Decision d : backward.decisions()) {
            byCandidate.put(d.snapshot(), d);
        }
        for (Decision d : forward.decisions()) {
            assertThat(byCandidate.get(d.snapshot())).isEqualTo(d);
        }
    }

    @Property(tries = 300)
    void lifetimeAloneDestroysExactlyTheExpiredUnprotectedOnes(@ForAll("snapshots") List<RetentionCandidate> in) {
        Duration life = Duration.ofDays(7);
        RetentionPlan plan = RetentionEngine.plan(in, new RetentionPolicy.Lifetime(life), NOW);
        for (Decision d : plan.decisions()) {
            RetentionCandidate c = d.snapshot();
            if (d.destroy()) {
                assertThat(c.createdAt().get().plus(life)).isBefore(NOW);
            } else if (c.eligible() && c.holds() == 0 && c.protectedReasons().isEmpty()
                    && !d.reason().startsWith("newest snapshot")) {
                assertThat(c.createdAt().get().plus(life)).isAfterOrEqualTo(NOW);
            }
        }
    }
}
