package io.snapferry.testbeds.bench;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One measured figure: snapferry's {@code value} in {@code unit}, optionally the peer's value for
 * the same work measured in the same run (then {@link #ratio()} is value / peer), and the goal.
 *
 * @param name  what was measured, e.g. "full send, median of 3"
 * @param value snapferry's value
 * @param unit  e.g. "ms", "s", "MiB/s", "MiB"
 * @param peer  the peer's value in the same unit, if there is a peer
 * @param peerName what the peer is, e.g. "zfs send &gt; /dev/null"; empty without a peer
 * @param goal  what the figure should reach; {@link Goal#NONE} when it is informative only
 */
public record Figure(String name, double value, String unit, OptionalDouble peer, String peerName, Goal goal) {
    public Figure {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(peerName, "peerName");
        Objects.requireNonNull(goal, "goal");
        if (peer.isPresent() && peerName.isBlank()) {
            throw new IllegalArgumentException("a figure with a peer value needs the peer's name: " + name);
        }
    }

    /** A figure without a peer. */
    public static Figure of(String name, double value, String unit, Goal goal) {
        return new Figure(name, value, unit, OptionalDouble.empty(), "", goal);
    }

    /** A figure with the peer's value for the same work. */
    public static Figure vs(String name, double value, double peer, String unit, String peerName, Goal goal) {
        return new Figure(name, value, unit, OptionalDouble.of(peer), peerName, goal);
    }

    /** value / peer, when there is a peer with a non-zero value. */
    public OptionalDouble ratio() {
        if (peer.isEmpty() || peer.getAsDouble() == 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(value / peer.getAsDouble());
    }

    /** Whether the goal is met; empty without a goal (or without the ratio a ratio goal needs). */
    public Optional<Boolean> goalMet() {
        return switch (goal.kind()) {
            case NONE -> Optional.empty();
            case VALUE_BELOW -> Optional.of(value < goal.limit());
            case VALUE_AT_MOST -> Optional.of(value <= goal.limit());
            case RATIO_AT_MOST -> ratio().isPresent() ? Optional.of(ratio().getAsDouble() <= goal.limit()) : Optional.empty();
            case RATIO_AT_LEAST -> ratio().isPresent() ? Optional.of(ratio().getAsDouble() >= goal.limit()) : Optional.empty();
        };
    }

    /** A number with about three significant digits and no exponent. */
    static String format(double v) {
        double a = Math.abs(v);
        String pattern = a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, pattern, v);
    }

    /**
     * What a figure should reach. {@code limit} is in the figure's unit for value goals and a plain
     * number for ratio goals.
     */
    public record Goal(Kind kind, double limit, String text) {
        public static final Goal NONE = new Goal(Kind.NONE, 0, "");

        public enum Kind { NONE, VALUE_BELOW, VALUE_AT_MOST, RATIO_AT_MOST, RATIO_AT_LEAST }

        /** value &lt; limit; {@code text} like "&lt; 1 s" says it in the unit the reader expects. */
        public static Goal below(double limit, String text) {
            return new Goal(Kind.VALUE_BELOW, limit, text);
        }

        public static Goal atMost(double limit, String text) {
            return new Goal(Kind.VALUE_AT_MOST, limit, text);
        }

        /** value / peer &le; limit. */
        public static Goal ratioAtMost(double limit) {
            return new Goal(Kind.RATIO_AT_MOST, limit, "ratio ≤ " + format(limit));
        }

        /** value / peer &ge; limit (for figures where more is better, like throughput). */
        public static Goal ratioAtLeast(double limit) {
            return new Goal(Kind.RATIO_AT_LEAST, limit, "ratio ≥ " + format(limit));
        }
    }
}
