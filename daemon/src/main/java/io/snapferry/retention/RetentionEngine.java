package io.snapferry.retention;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The one retention engine: a pure function from a dataset's snapshots, a policy and the current
 * time to a {@link RetentionPlan}. No I/O, no clock, no shared state: thread-safe, and the same
 * input gives the same plan, reasons included.
 *
 * <p>Order of judgement for each snapshot:
 * <ol>
 *   <li>no schema of the task matched its name: KEEP, "not made by this task's schema";</li>
 *   <li>held (holds &gt; 0), protected, or the newest snapshot of its schema: KEEP, saying which
 *       (and what the policy alone would have done);</li>
 *   <li>otherwise KEEP when some rule of the policy keeps it, with every keeping rule's reason,
 *       else DESTROY with every rule's reason for not keeping it.</li>
 * </ol>
 * "Newest" orders by the time read from the name, then createTxg, then name.
 */
public final class RetentionEngine {
    /** Reason for snapshots that no schema of the task made. */
    public static final String FOREIGN = "not made by this task's schema";

    private static final Comparator<RetentionCandidate> OLDEST_FIRST = (a, b) -> {
        int c = a.createdAt().get().compareTo(b.createdAt().get());
        if (c != 0) {
            return c;
        }
        c = Long.compare(a.createTxg(), b.createTxg());
        return c != 0 ? c : a.name().compareTo(b.name());
    };

    private RetentionEngine() {
    }

    /** One rule's view of one snapshot. */
    record Verdict(boolean keep, String reason) {
    }

    /**
     * Decides, for every snapshot, keep or destroy.
     *
     * @param snapshots all snapshots of one dataset (any order; duplicates are judged independently)
     * @param policy    the task's rules
     * @param now       the time the plan is for
     * @return one decision per input snapshot, in input order
     */
    public static RetentionPlan plan(List<RetentionCandidate> snapshots, RetentionPolicy policy, Instant now) {
        Objects.requireNonNull(snapshots, "snapshots");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(now, "now");
        int n = snapshots.size();
        RetentionCandidate[] all = snapshots.toArray(new RetentionCandidate[0]);
        boolean[] safe = new boolean[n];
        Map<String, Integer> newest = new HashMap<>();
        int eligibleCount = 0;
        for (int i = 0; i < n; i++) {
            RetentionCandidate c = all[i];
            safe[i] = c.holds() > 0 || !c.protectedReasons().isEmpty();
            if (c.eligible()) {
                eligibleCount++;
                newest.merge(c.schema().get(), i, (a, b) -> OLDEST_FIRST.compare(all[b], all[a]) > 0 ? b : a);
            }
        }
        int[] eligible = new int[eligibleCount];
        int[] slot = new int[n];
        for (int i = 0, e = 0; i < n; i++) {
            if (all[i].eligible()) {
                slot[i] = e;
                eligible[e++] = i;
            }
        }
        Verdict[] verdicts = evaluate(policy, all, eligible, now, safe);
        List<Decision> decisions = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            RetentionCandidate c = all[i];
            if (!c.eligible()) {
                decisions.add(new Decision(c, Decision.Action.KEEP, FOREIGN));
                continue;
            }
            Verdict v = verdicts[slot[i]];
            List<String> safety = new ArrayList<>(2);
            if (c.holds() > 0) {
                safety.add("held (" + c.holds() + (c.holds() == 1 ? " hold)" : " holds)"));
            }
            if (!c.protectedReasons().isEmpty()) {
                safety.add("protected: " + String.join(", ", c.protectedReasons()));
            }
            if (newest.get(c.schema().get()) == i) {
                safety.add("newest snapshot of schema " + c.schema().get());
            }
            if (!safety.isEmpty()) {
                String reason = String.join("; ", safety);
                if (!v.keep()) {
                    reason += " (the policy alone would destroy it: " + v.reason() + ")";
                }
                decisions.add(new Decision(c, Decision.Action.KEEP, reason));
            } else {
                decisions.add(new Decision(c, v.keep() ? Decision.Action.KEEP : Decision.Action.DESTROY, v.reason()));
            }
        }
        return new RetentionPlan(decisions);
    }

    /** The verdicts of {@code policy} for the candidates {@code idx} (indices into {@code all}), aligned with idx. */
    static Verdict[] evaluate(RetentionPolicy policy, RetentionCandidate[] all, int[] idx, Instant now, boolean[] safe) {
        if (policy instanceof RetentionPolicy.Lifetime l) {
            return lifetime(l, all, idx, now);
        } else if (policy instanceof RetentionPolicy.KeepCounts k) {
            return keepCounts(k, all, idx, safe);
        } else if (policy instanceof RetentionPolicy.Grid g) {
            return grid(g, all, idx, now);
        } else if (policy instanceof RetentionPolicy.KeepMatching m) {
            Verdict[] out = new Verdict[idx.length];
            String yes = m.describe() + ": " + (m.negate() ? "does not match" : "matches");
            String no = m.describe() + ": " + (m.negate() ? "matches" : "does not match");
            for (int j = 0; j < idx.length; j++) {
                boolean found = m.regex().matcher(all[idx[j]].shortName()).find();
                out[j] = found != m.negate() ? new Verdict(true, yes) : new Verdict(false, no);
            }
            return out;
        } else if (policy instanceof RetentionPolicy.Scoped s) {
            boolean[] in = new boolean[idx.length];
            for (int j = 0; j < idx.length; j++) {
                in[j] = s.regex().matcher(all[idx[j]].shortName()).find();
            }
            return subset(s.rule(), in, all, idx, now, safe,
                    s.rule().describe() + ": applies only to names matching /" + s.regex().pattern() + "/");
        } else if (policy instanceof RetentionPolicy.PerSchema p) {
            boolean[] in = new boolean[idx.length];
            for (int j = 0; j < idx.length; j++) {
                in[j] = all[idx[j]].schema().get().equals(p.schema());
            }
            return subset(p.rule(), in, all, idx, now, safe,
                    p.rule().describe() + ": applies only to schema " + p.schema());
        } else if (policy instanceof RetentionPolicy.AnyOf a) {
            return anyOf(a, all, idx, now, safe);
        }
        throw new IllegalStateException("unknown policy " + policy);
    }

    private static Verdict[] subset(RetentionPolicy rule, boolean[] in, RetentionCandidate[] all, int[] idx, Instant now,
                                    boolean[] safe, String outside) {
        int count = 0;
        for (boolean b : in) {
            count += b ? 1 : 0;
        }
        int[] sub = new int[count];
        for (int j = 0, k = 0; j < idx.length; j++) {
            if (in[j]) {
                sub[k++] = idx[j];
            }
        }
        Verdict[] inner = evaluate(rule, all, sub, now, safe);
        Verdict out = new Verdict(false, outside);
        Verdict[] result = new Verdict[idx.length];
        for (int j = 0, k = 0; j < idx.length; j++) {
            result[j] = in[j] ? inner[k++] : out;
        }
        return result;
    }

    private static Verdict[] anyOf(RetentionPolicy.AnyOf a, RetentionCandidate[] all, int[] idx, Instant now, boolean[] safe) {
        Verdict[] out = new Verdict[idx.length];
        if (a.rules().isEmpty()) {
            Arrays.fill(out, new Verdict(false, "no retention rule keeps it"));
            return out;
        }
        if (a.rules().size() == 1) {
            return evaluate(a.rules().get(0), all, idx, now, safe);
        }
        List<Verdict[]> each = new ArrayList<>();
        for (RetentionPolicy r : a.rules()) {
            each.add(evaluate(r, all, idx, now, safe));
        }
        StringBuilder keep = new StringBuilder();
        StringBuilder drop = new StringBuilder();
        for (int j = 0; j < idx.length; j++) {
            keep.setLength(0);
            drop.setLength(0);
            for (Verdict[] vs : each) {
                StringBuilder b = vs[j].keep() ? keep : drop;
                if (b.length() > 0) {
                    b.append("; ");
                }
                b.append(vs[j].reason());
            }
            out[j] = keep.length() > 0 ? new Verdict(true, keep.toString()) : new Verdict(false, drop.toString());
        }
        return out;
    }

    private static Verdict[] lifetime(RetentionPolicy.Lifetime l, RetentionCandidate[] all, int[] idx, Instant now) {
        Verdict[] out = new Verdict[idx.length];
        String what = l.describe();
        for (int j = 0; j < idx.length; j++) {
            Instant expires = all[idx[j]].createdAt().get().plus(l.lifetime());
            out[j] = expires.isBefore(now)
                    ? new Verdict(false, what + ": expired at " + expires)
                    : new Verdict(true, what + ": expires at " + expires);
        }
        return out;
    }

    private static final int UNMARKED = 0;
    private static final int KEEP = 1;
    private static final int REMOVE = 2;
    private static final int PROTECTED = 3;

    /** Proxmox Backup Server's prune selection (pbs-datastore prune.rs), newest first. */
    private static Verdict[] keepCounts(RetentionPolicy.KeepCounts k, RetentionCandidate[] all, int[] idx, boolean[] safe) {
        int m = idx.length;
        Integer[] order = new Integer[m];
        for (int j = 0; j < m; j++) {
            order[j] = j;
        }
        Arrays.sort(order, (x, y) -> OLDEST_FIRST.compare(all[idx[y]], all[idx[x]]));
        ZoneId zone = k.zone();
        LocalDateTime[] local = new LocalDateTime[m];
        for (int j = 0; j < m; j++) {
            local[j] = LocalDateTime.ofInstant(all[idx[j]].createdAt().get(), zone);
        }
        int[] mark = new int[m];
        String[] reason = new String[m];
        int[] counts = k.counts();
        List<String> keys = RetentionPolicy.KeepCounts.keys();
        for (int option = 0; option < counts.length; option++) {
            int keep = counts[option];
            if (keep == 0) {
                continue;
            }
            String name = "keep-" + keys.get(option);
            Set<Long> alreadyIncluded = new HashSet<>();
            for (int j = 0; j < m; j++) {
                if (mark[j] == KEEP) {
                    alreadyIncluded.add(periodKey(option, local[j], j));
                }
            }
            Set<Long> included = new HashSet<>();
            for (Integer boxed : order) {
                int j = boxed;
                if (mark[j] != UNMARKED) {
                    continue;
                }
                if (safe[idx[j]]) {
                    mark[j] = PROTECTED;
                    reason[j] = k.describe() + ": held or protected, not counted";
                    continue;
                }
                long key = periodKey(option, local[j], j);
                if (alreadyIncluded.contains(key)) {
                    continue;
                }
                if (!included.contains(key)) {
                    if (included.size() >= keep) {
                        break;
                    }
                    included.add(key);
                    mark[j] = KEEP;
                    reason[j] = option == 0
                            ? name + "=" + keep + ": one of the " + keep + " newest"
                            : name + "=" + keep + ": newest of " + periodLabel(option, local[j]) + " (period " + included.size()
                                    + " of " + keep + ")";
                } else {
                    mark[j] = REMOVE;
                    reason[j] = name + "=" + keep + ": " + periodLabel(option, local[j]) + " already keeps a newer snapshot";
                }
            }
        }
        Verdict[] out = new Verdict[m];
        String unselected = k.describe() + ": not selected";
        for (int j = 0; j < m; j++) {
            out[j] = switch (mark[j]) {
                case KEEP -> new Verdict(true, reason[j]);
                case UNMARKED -> new Verdict(false, unselected);
                default -> new Verdict(false, reason[j]);
            };
        }
        return out;
    }

    private static long periodKey(int option, LocalDateTime t, int position) {
        return switch (option) {
            case 0 -> position;
            case 1 -> t.toLocalDate().toEpochDay() * 24 + t.getHour();
            case 2 -> t.toLocalDate().toEpochDay();
            case 3 -> t.get(IsoFields.WEEK_BASED_YEAR) * 100L + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
            case 4 -> t.getYear() * 12L + t.getMonthValue();
            default -> t.getYear();
        };
    }

    private static String periodLabel(int option, LocalDateTime t) {
        return switch (option) {
            case 1 -> "hour " + t.toLocalDate() + " " + (t.getHour() < 10 ? "0" : "") + t.getHour() + ":00";
            case 2 -> "day " + t.toLocalDate();
            case 3 -> String.format("ISO week %d-W%02d", t.get(IsoFields.WEEK_BASED_YEAR), t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            case 4 -> String.format("month %d-%02d", t.getYear(), t.getMonthValue());
            default -> "year " + t.getYear();
        };
    }

    /** zrepl's retention grid, measured back from {@code now}. */
    private static Verdict[] grid(RetentionPolicy.Grid g, RetentionCandidate[] all, int[] idx, Instant now) {
        List<RetentionPolicy.GridInterval> intervals = g.intervals();
        int b = intervals.size();
        Instant[] edge = new Instant[b + 1]; // edge[i] newer edge of interval i, edge[i+1] its older edge
        edge[0] = now;
        for (int i = 0; i < b; i++) {
            Duration len = intervals.get(i).length();
            edge[i + 1] = edge[i].minus(len);
        }
        String what = g.describe();
        Verdict future = new Verdict(true, what + ": dated in the future (after " + now + ")");
        Verdict tooOld = new Verdict(false, what + ": older than the grid (which reaches back to " + edge[b] + ", exclusive)");
        Verdict[] out = new Verdict[idx.length];
        int[] bucket = new int[idx.length];
        int placedCount = 0;
        for (int j = 0; j < idx.length; j++) {
            Instant t = all[idx[j]].createdAt().get();
            bucket[j] = -1;
            if (t.isAfter(now)) {
                out[j] = future;
                continue;
            }
            if (!t.isAfter(edge[b])) {
                out[j] = tooOld;
                continue;
            }
            // the interval i with edge[i+1] < t <= edge[i]; edges descend
            int lo = 0;
            int hi = b - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (t.isAfter(edge[mid + 1])) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            bucket[j] = lo;
            placedCount++;
        }
        Integer[] placed = new Integer[placedCount];
        for (int j = 0, k = 0; j < idx.length; j++) {
            if (bucket[j] >= 0) {
                placed[k++] = j;
            }
        }
        Arrays.sort(placed, (x, y) -> {
            int c = Integer.compare(bucket[x], bucket[y]);
            return c != 0 ? c : OLDEST_FIRST.compare(all[idx[x]], all[idx[y]]);
        });
        int rank = 0;
        int current = -1;
        Verdict kept = null;
        Verdict dropped = null;
        for (int j : placed) {
            int i = bucket[j];
            RetentionPolicy.GridInterval iv = intervals.get(i);
            if (i != current) {
                current = i;
                rank = 0;
                String where = what + ": interval " + (i + 1) + " of " + b + " (" + Durations.format(iv.length()) + ", "
                        + edge[i + 1] + " exclusive to " + edge[i] + ")";
                if (iv.keep() == RetentionPolicy.GridInterval.KEEP_ALL) {
                    kept = new Verdict(true, where + " keeps all");
                } else {
                    kept = new Verdict(true, where + ": " + (iv.keep() == 1 ? "the oldest" : "one of the " + iv.keep() + " oldest"));
                    dropped = new Verdict(false, where + " already keeps its " + (iv.keep() == 1 ? "oldest" : iv.keep() + " oldest"));
                }
            }
            rank++;
            out[j] = iv.keep() == RetentionPolicy.GridInterval.KEEP_ALL || rank <= iv.keep() ? kept : dropped;
        }
        return out;
    }
}
