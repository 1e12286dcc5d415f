package io.snapferry.testbeds.bench;

import java.util.List;

/**
 * One benchmark: a name (what {@code testbeds/bench/run NAME} selects and the key of its section in
 * {@code docs/benchmarks.md}), a title and a description of the method for that section, and
 * {@link #run}, which measures and returns the figures. Implementations run on the calling thread,
 * clean up everything they create (pools, processes, temporary directories) before returning or
 * throwing, and use {@link BenchContext} for repetitions, the cache directory and notes.
 */
public interface Benchmark {
    /** Lower-case words joined by hyphens, e.g. {@code stream-zfs}. */
    String name();

    /** A one-line title for the section heading. */
    String title();

    /** What is measured and how (markdown, one paragraph), written above the figures. */
    String description();

    /** Measures; the figures in the order they should be shown. */
    List<Figure> run(BenchContext context) throws Exception;
}
