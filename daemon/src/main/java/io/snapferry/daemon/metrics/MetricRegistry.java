package io.snapferry.daemon.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Metric families (counters and gauges, with or without labels) and their rendering in the
 * Prometheus text exposition format, version 0.0.4.
 *
 * <p>Thread-safe: values are updated with atomic operations and may be rendered at any time.
 * Families keep the order they were registered in; the samples of a family are sorted by label
 * values so the output is stable.
 */
public final class MetricRegistry {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    public enum Type { COUNTER, GAUGE }

    private final Map<String, Family> families = new LinkedHashMap<>();

    /** A family whose samples are set from outside (counters only grow). */
    public synchronized Family counter(String name, String help, String... labels) {
        if (!name.endsWith("_total")) {
            throw new IllegalArgumentException("a counter's name ends in _total: " + name);
        }
        return add(new Family(name, help, Type.COUNTER, List.of(labels), null));
    }

    public synchronized Family gauge(String name, String help, String... labels) {
        return add(new Family(name, help, Type.GAUGE, List.of(labels), null));
    }

    /**
     * A gauge family whose samples are computed at each rendering by {@code collector}, which is
     * handed a sink for (label values, value) pairs. A collector that throws leaves its family
     * without samples for that rendering.
     */
    public synchronized Family gauge(String name, String help, List<String> labels, Consumer<Sink> collector) {
        return add(new Family(name, help, Type.GAUGE, labels, collector));
    }

    private Family add(Family f) {
        if (!NAME.matcher(f.name).matches()) {
            throw new IllegalArgumentException("invalid metric name " + f.name);
        }
        for (String l : f.labels) {
            if (!LABEL.matcher(l).matches() || l.startsWith("__")) {
                throw new IllegalArgumentException("invalid label name " + l);
            }
        }
        if (families.containsKey(f.name)) {
            throw new IllegalArgumentException("metric " + f.name + " is registered twice");
        }
        families.put(f.name, f);
        return f;
    }

    /** Receives computed samples. */
    public interface Sink {
        void sample(double value, String... labelValues);
    }

    /** One metric name with its help, type, label names and samples. */
    public static final class Family {
        private final String name;
        private final String help;
        private final Type type;
        private final List<String> labels;
        private final Consumer<Sink> collector;
        private final ConcurrentHashMap<List<String>, double[]> values = new ConcurrentHashMap<>();

        private Family(String name, String help, Type type, List<String> labels, Consumer<Sink> collector) {
            this.name = name;
            this.help = help;
            this.type = type;
            this.labels = List.copyOf(labels);
            this.collector = collector;
        }

        public String name() {
            return name;
        }

        private List<String> key(String... labelValues) {
            if (labelValues.length != labels.size()) {
                throw new IllegalArgumentException(name + " takes labels " + labels + ", got " + labelValues.length + " values");
            }
            for (String v : labelValues) {
                Objects.requireNonNull(v, "label value");
            }
            return List.of(labelValues);
        }

        /** Adds {@code amount} (not negative for a counter) to the sample with these label values. */
        public void add(double amount, String... labelValues) {
            if (type == Type.COUNTER && amount < 0) {
                throw new IllegalArgumentException("a counter never decreases: " + name);
            }
            double[] cell = values.computeIfAbsent(key(labelValues), k -> new double[1]);
            synchronized (cell) {
                cell[0] += amount;
            }
        }

        public void inc(String... labelValues) {
            add(1, labelValues);
        }

        /** Sets a gauge's sample. */
        public void set(double value, String... labelValues) {
            if (type != Type.GAUGE) {
                throw new IllegalStateException(name + " is a counter; counters are only added to");
            }
            double[] cell = values.computeIfAbsent(key(labelValues), k -> new double[1]);
            synchronized (cell) {
                cell[0] = value;
            }
        }

        /** The current value of a sample, 0 when it was never set. */
        public double value(String... labelValues) {
            double[] cell = values.get(key(labelValues));
            if (cell == null) {
                return 0;
            }
            synchronized (cell) {
                return cell[0];
            }
        }

        /** Creates the sample with value 0 if absent, so that a series exists before its first event. */
        public void touch(String... labelValues) {
            values.computeIfAbsent(key(labelValues), k -> new double[1]);
        }

        void render(StringBuilder out) {
            Map<List<String>, Double> samples = new java.util.TreeMap<>(MetricRegistry::compare);
            values.forEach((k, cell) -> {
                synchronized (cell) {
                    samples.put(k, cell[0]);
                }
            });
            if (collector != null) {
                try {
                    collector.accept((value, lv) -> samples.put(key(lv), value));
                } catch (RuntimeException e) {
                    // A failing source (a pool that vanished) drops its samples from this scrape only.
                }
            }
            out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
            out.append("# TYPE ").append(name).append(' ').append(type.name().toLowerCase()).append('\n');
            samples.forEach((k, v) -> {
                out.append(name);
                if (!labels.isEmpty()) {
                    out.append('{');
                    for (int i = 0; i < labels.size(); i++) {
                        if (i > 0) {
                            out.append(',');
                        }
                        out.append(labels.get(i)).append("=\"").append(escapeLabel(k.get(i))).append('"');
                    }
                    out.append('}');
                }
                out.append(' ').append(format(v)).append('\n');
            });
        }
    }

    private static int compare(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    static String escapeHelp(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n");
    }

    static String escapeLabel(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** Every family, in the text exposition format. */
    public String render() {
        List<Family> all;
        synchronized (this) {
            all = new ArrayList<>(families.values());
        }
        StringBuilder out = new StringBuilder();
        for (Family f : all) {
            f.render(out);
        }
        return out.toString();
    }

    /** The content type of {@link #render()}. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
}
