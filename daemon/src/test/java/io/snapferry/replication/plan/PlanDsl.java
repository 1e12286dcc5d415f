package io.snapferry.replication.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A small language for planner tests. A side is written as tokens, oldest first:
 * {@code a1} is a snapshot named a1 whose GUID is keyed by its name; {@code a2=x} is a snapshot
 * named a2 with the GUID keyed {@code x} (to model the same name on another snapshot);
 * {@code #a1} is a source bookmark. The same key means the same GUID on both sides.
 * A target is {@code -} when absent, {@code ""} when it exists empty, {@code !} when it exists
 * with unsnapshotted data. By default only names starting with {@code a} are eligible.
 */
final class PlanDsl {
    static final Predicate<String> AUTO = n -> n.startsWith("a");

    private final Map<String, Long> guids = new LinkedHashMap<>();

    long guid(String key) {
        return guids.computeIfAbsent(key, k -> 0x1000L + guids.size());
    }

    record Side(List<SnapshotRef> snapshots, List<SnapshotRef> bookmarks) {
    }

    Side side(String spec) {
        List<SnapshotRef> snaps = new ArrayList<>();
        List<SnapshotRef> marks = new ArrayList<>();
        long txg = 0;
        for (String token : spec.trim().split("\\s+")) {
            if (token.isEmpty()) {
                continue;
            }
            txg += 10;
            boolean bookmark = token.startsWith("#");
            String body = bookmark ? token.substring(1) : token;
            String[] parts = body.split("=", 2);
            String name = parts[0];
            long guid = guid(parts.length == 2 ? parts[1] : name);
            if (bookmark) {
                marks.add(SnapshotRef.bookmark(name, guid, txg));
            } else {
                snaps.add(SnapshotRef.snapshot(name, guid, txg));
            }
        }
        return new Side(snaps, marks);
    }

    Target target(String spec) {
        return switch (spec.trim()) {
            case "-" -> Target.absent();
            case "!" -> Target.withUnsnapshottedData();
            default -> Target.of(side(spec).snapshots());
        };
    }

    PlanRequest request(String source, String target) {
        Side s = side(source);
        return PlanRequest.of(s.snapshots(), target(target), AUTO).withBookmarks(s.bookmarks());
    }

    /** The plan in one line, for table assertions. */
    static String render(Plan plan) {
        String steps = plan.steps().stream().map(PlanDsl::render).collect(Collectors.joining("; "));
        if (plan instanceof Plan.UpToDate u) {
            return "up-to-date " + ref(u.common());
        } else if (plan instanceof Plan.Steps) {
            return steps;
        } else if (plan instanceof Plan.FromScratch f) {
            return "from-scratch replacing [" + refs(f.replaced()) + "]" + (f.replacesUnsnapshottedData() ? " and data" : "")
                    + ": " + steps;
        } else if (plan instanceof Plan.NoCommonSnapshot) {
            return "no-common";
        } else if (plan instanceof Plan.Diverged d) {
            return "diverged at " + ref(d.common()) + ": target-only [" + refs(d.targetOnlyAfterCommon()) + "]";
        } else if (plan instanceof Plan.TargetHasUnsnapshottedData) {
            return "target-has-data";
        } else if (plan instanceof Plan.NothingToSend n) {
            return "nothing " + n.reason();
        }
        throw new AssertionError(plan);
    }

    static String render(Step s) {
        return s.from().map(f -> (s.intermediates() ? "-I " : "-i ") + ref(f) + " " + ref(s.to())).orElse("full " + ref(s.to()));
    }

    static String ref(SnapshotRef r) {
        return (r.isBookmark() ? "#" : "") + r.name();
    }

    static String refs(List<SnapshotRef> rs) {
        return rs.stream().map(PlanDsl::ref).collect(Collectors.joining(" "));
    }
}
