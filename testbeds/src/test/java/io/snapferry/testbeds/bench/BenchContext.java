package io.snapferry.testbeds.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a running benchmark gets from the runner: the source tree, its cache directory, how many
 * repetitions to run, a log for progress, and a place for notes that go into its section of
 * {@code docs/benchmarks.md}. One context per benchmark run; not thread-safe.
 */
public final class BenchContext {
    private final Path repoRoot;
    private final Path cacheRoot;
    private final PrintStream log;
    private final List<String> notes = new ArrayList<>();

    BenchContext(Path repoRoot, Path cacheRoot, PrintStream log) {
        this.repoRoot = repoRoot;
        this.cacheRoot = cacheRoot;
        this.log = log;
    }

    /** The root of the source tree (where {@code ./snapferry} and {@code docs/} are). */
    public Path repoRoot() {
        return repoRoot;
    }

    /**
     * {@code testbeds/bench/cache/<name>}: kept between runs and ignored by git, for fixtures that
     * are slow to build (pool images). Not created here.
     */
    public Path cacheDir(String name) {
        return cacheRoot.resolve(name);
    }

    /**
     * Repetitions for a measurement: the system property {@code bench.runs} when set (at least 1),
     * else {@code defaultRuns}.
     */
    public int runs(int defaultRuns) {
        return Math.max(1, Integer.getInteger("bench.runs", defaultRuns));
    }

    /** Progress for whoever watches the run (stderr); not written to the document. */
    public void log(String format, Object... args) {
        log.printf("  [%tT] %s%n", System.currentTimeMillis(), String.format(format, args));
    }

    /** A line (markdown) written below the benchmark's figures: setup details, fixture build times. */
    public void note(String format, Object... args) {
        notes.add(String.format(format, args));
    }

    List<String> notes() {
        return List.copyOf(notes);
    }

    /** The median of the values (mean of the middle two for an even count). */
    public static double median(double... values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }

    /** The median of the values. */
    public static double median(List<Double> values) {
        return median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** The value below which {@code p} (0..1) of the values lie (nearest rank). */
    public static double percentile(List<Double> values, double p) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int rank = (int) Math.ceil(p * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    /** Milliseconds since {@code startNanos} (from {@link System#nanoTime()}). */
    public static double msSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }
}
