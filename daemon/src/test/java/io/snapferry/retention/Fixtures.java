package io.snapferry.retention;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.SnapshotName;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Builders for retention tests. */
final class Fixtures {
    static final DatasetName DATASET = DatasetName.of("tank/data");
    static final String SCHEMA = "auto-%Y-%m-%d_%H-%M";

    private Fixtures() {
    }

    /** A snapshot made by {@link #SCHEMA} at {@code iso} (UTC), with txg from its time. */
    static RetentionCandidate at(String iso) {
        Instant t = Instant.parse(iso);
        return new RetentionCandidate(DATASET.snapshot("auto-" + iso.replace(':', '-').replace("Z", "")),
                t.getEpochSecond(), Optional.of(t), t.getEpochSecond(), 0, List.of(), Optional.of(SCHEMA));
    }

    static RetentionCandidate named(String name, String schema, Instant t, long txg) {
        return new RetentionCandidate(DATASET.snapshot(name), txg, Optional.of(t), txg, 0, List.of(), Optional.of(schema));
    }

    static RetentionCandidate foreign(String name) {
        return new RetentionCandidate(DATASET.snapshot(name), 1, Optional.empty(), 1, 0, List.of(), Optional.empty());
    }

    static RetentionCandidate held(RetentionCandidate c, int holds) {
        return new RetentionCandidate(c.name(), c.guid(), c.createdAt(), c.createTxg(), holds, c.protectedReasons(), c.schema());
    }

    static RetentionCandidate protect(RetentionCandidate c, String... reasons) {
        return new RetentionCandidate(c.name(), c.guid(), c.createdAt(), c.createTxg(), c.holds(), List.of(reasons), c.schema());
    }

    static Map<SnapshotName, Decision> byName(RetentionPlan plan) {
        return plan.decisions().stream().collect(Collectors.toMap(d -> d.snapshot().name(), Function.identity()));
    }

    /** The short names the plan keeps, in input order. */
    static List<String> kept(RetentionPlan plan) {
        return plan.toKeep().stream().map(RetentionCandidate::shortName).toList();
    }

    static List<String> destroyed(RetentionPlan plan) {
        return plan.toDestroy().stream().map(RetentionCandidate::shortName).toList();
    }
}
