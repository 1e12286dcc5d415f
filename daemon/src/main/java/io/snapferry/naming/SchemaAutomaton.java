package io.snapferry.naming;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A nondeterministic finite automaton over ASCII accepting every name a schema's pattern accepts,
 * field by field ({@code %m} is 01..12, {@code %H} 00..23 and so on). Used to decide whether two
 * schemas can accept a common name: a breadth-first walk over pairs of states, following edges whose
 * character sets intersect, until both sides accept. Not thread-confined: built per call, immutable
 * once built.
 */
final class SchemaAutomaton {
    /** A set of ASCII characters as a 128-bit mask. */
    record CharSet(long lo, long hi) {
        static CharSet of(char... chars) {
            long lo = 0;
            long hi = 0;
            for (char c : chars) {
                if (c < 64) {
                    lo |= 1L << c;
                } else {
                    hi |= 1L << (c - 64);
                }
            }
            return new CharSet(lo, hi);
        }

        static CharSet range(char from, char to) {
            char[] cs = new char[to - from + 1];
            for (char c = from; c <= to; c++) {
                cs[c - from] = c;
            }
            return of(cs);
        }

        CharSet and(CharSet o) {
            return new CharSet(lo & o.lo, hi & o.hi);
        }

        boolean isEmpty() {
            return lo == 0 && hi == 0;
        }

        char first() {
            return lo != 0 ? (char) Long.numberOfTrailingZeros(lo) : (char) (64 + Long.numberOfTrailingZeros(hi));
        }
    }

    record Edge(CharSet on, int to) {
    }

    private static final CharSet DIGIT = CharSet.range('0', '9');

    private final List<List<Edge>> edges = new ArrayList<>();
    private int accept;

    private SchemaAutomaton() {
        newState();
    }

    static SchemaAutomaton of(NamingSchema schema) {
        SchemaAutomaton a = new SchemaAutomaton();
        int at = 0;
        for (NamingSchema.Token t : schema.tokens()) {
            if (t instanceof NamingSchema.Literal l) {
                for (char c : l.text().toCharArray()) {
                    at = a.alternatives(at, List.<CharSet[]>of(new CharSet[] {CharSet.of(c)}));
                }
            } else {
                at = a.field(at, ((NamingSchema.Conversion) t).field());
            }
        }
        a.accept = at;
        return a;
    }

    private int field(int from, NamingSchema.Field f) {
        return switch (f) {
            case YEAR -> alternatives(from, List.<CharSet[]>of(new CharSet[] {DIGIT, DIGIT, DIGIT, DIGIT}));
            case MONTH -> alternatives(from, List.of(
                    new CharSet[] {CharSet.of('0'), CharSet.range('1', '9')},
                    new CharSet[] {CharSet.of('1'), CharSet.range('0', '2')}));
            case DAY -> alternatives(from, List.of(
                    new CharSet[] {CharSet.of('0'), CharSet.range('1', '9')},
                    new CharSet[] {CharSet.range('1', '2'), DIGIT},
                    new CharSet[] {CharSet.of('3'), CharSet.range('0', '1')}));
            case HOUR -> alternatives(from, List.of(
                    new CharSet[] {CharSet.range('0', '1'), DIGIT},
                    new CharSet[] {CharSet.of('2'), CharSet.range('0', '3')}));
            case MINUTE, SECOND -> alternatives(from, List.<CharSet[]>of(new CharSet[] {CharSet.range('0', '5'), DIGIT}));
            case OFFSET -> {
                int sign = alternatives(from, List.<CharSet[]>of(new CharSet[] {CharSet.of('+', '-')}));
                int hours = alternatives(sign, List.of(
                        new CharSet[] {CharSet.of('0'), DIGIT},
                        new CharSet[] {CharSet.of('1'), CharSet.range('0', '8')}));
                yield alternatives(hours, List.<CharSet[]>of(new CharSet[] {CharSet.range('0', '5'), DIGIT}));
            }
            case EPOCH -> {
                int loop = newState();
                edges.get(from).add(new Edge(DIGIT, loop));
                edges.get(loop).add(new Edge(DIGIT, loop));
                yield loop;
            }
        };
    }

    /** Adds paths from {@code from}, one per alternative sequence, all ending in one new state. */
    private int alternatives(int from, List<CharSet[]> alternatives) {
        int end = newState();
        for (CharSet[] seq : alternatives) {
            int at = from;
            for (int i = 0; i < seq.length; i++) {
                int to = i == seq.length - 1 ? end : newState();
                edges.get(at).add(new Edge(seq[i], to));
                at = to;
            }
        }
        return end;
    }

    private int newState() {
        edges.add(new ArrayList<>());
        return edges.size() - 1;
    }

    /** A shortest string both automata accept, or empty when their languages are disjoint. */
    Optional<String> intersectionWitness(SchemaAutomaton other) {
        int width = other.edges.size();
        Map<Long, long[]> parent = new HashMap<>(); // pair -> {previous pair, character}
        ArrayDeque<Long> queue = new ArrayDeque<>();
        long start = 0;
        parent.put(start, null);
        queue.add(start);
        while (!queue.isEmpty()) {
            long pair = queue.poll();
            int a = (int) (pair / width);
            int b = (int) (pair % width);
            if (a == accept && b == other.accept) {
                StringBuilder s = new StringBuilder();
                for (long[] p = parent.get(pair); p != null; p = parent.get(p[0])) {
                    s.append((char) p[1]);
                }
                return Optional.of(s.reverse().toString());
            }
            for (Edge ea : edges.get(a)) {
                for (Edge eb : other.edges.get(b)) {
                    CharSet both = ea.on().and(eb.on());
                    if (both.isEmpty()) {
                        continue;
                    }
                    long next = (long) ea.to() * width + eb.to();
                    if (!parent.containsKey(next)) {
                        parent.put(next, new long[] {pair, both.first()});
                        queue.add(next);
                    }
                }
            }
        }
        return Optional.empty();
    }
}
