/**
 * The benchmark harness: rerunnable measurements of snapferry side by side with a peer (plain
 * {@code zfs send}, {@code zfs list}, ...) in the same run, written to {@code docs/benchmarks.md}.
 * Run with {@code testbeds/bench/run [NAME...]}; it is not part of the test suite and nothing here
 * asserts performance.
 *
 * <p>To add a benchmark: implement {@link io.snapferry.testbeds.bench.Benchmark} in one class with
 * a {@code main} that calls {@link io.snapferry.testbeds.bench.BenchRunner#main}, and add an
 * instance to {@link io.snapferry.testbeds.bench.BenchRunner#BENCHMARKS}. The runner measures the
 * machine, runs the benchmark, prints its figures and replaces that benchmark's section of
 * {@code docs/benchmarks.md}, keeping the others.
 */
package io.snapferry.testbeds.bench;
