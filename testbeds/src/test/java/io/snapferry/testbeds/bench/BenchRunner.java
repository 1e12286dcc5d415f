package io.snapferry.testbeds.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs benchmarks by name, prints their figures with the ratios to their peers, and writes each
 * one's section of {@code docs/benchmarks.md}. Usually started by {@code testbeds/bench/run}, one
 * JVM per benchmark; {@code BenchRunner --list} prints the known names.
 *
 * <p>System properties: {@code bench.root} (the source tree; default the working directory),
 * {@code bench.command} (the command written into the document), {@code bench.runs} (repetitions,
 * overriding each benchmark's default), {@code bench.doc=false} (print only, leave the document).
 * Exit status 0 when every benchmark ran (missed goals included: performance is reported, never
 * asserted), 1 when one failed, 2 on an unknown name.
 */
public final class BenchRunner {
    /** Every benchmark, in the order of the document. Add new ones here. */
    public static final List<Benchmark> BENCHMARKS = List.of(
            new StreamZfsBench(),
            new RetentionBench(),
            new ZfsListingBench(),
            new StartupBench(),
            new SnapshotListHttpBench(),
            new ReplicationSyncoidBench(),
            new NothingToDoSshBench(),
            new SshChannelBench(),
            new StoreRsyncBench(),
            new TransferRssBench());

    private BenchRunner() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args)));
    }

    /** The entry point of each benchmark's own {@code main}: runs just that one. */
    public static void runOne(Benchmark benchmark) {
        System.exit(runAll(List.of(benchmark)));
    }

    static int run(List<String> args) {
        Map<String, Benchmark> byName = new LinkedHashMap<>();
        BENCHMARKS.forEach(b -> byName.put(b.name(), b));
        if (args.contains("--list")) {
            byName.keySet().forEach(System.out::println);
            return 0;
        }
        List<Benchmark> chosen = new ArrayList<>();
        for (String a : args.isEmpty() ? List.copyOf(byName.keySet()) : args) {
            Benchmark b = byName.get(a);
            if (b == null) {
                System.err.println("unknown benchmark '" + a + "'; known: " + String.join(", ", byName.keySet()));
                return 2;
            }
            chosen.add(b);
        }
        return runAll(chosen);
    }

    private static int runAll(List<Benchmark> chosen) {
        Path root = Path.of(System.getProperty("bench.root", ".")).toAbsolutePath().normalize();
        String command = System.getProperty("bench.command", "testbeds/bench/run "
                + String.join(" ", chosen.stream().map(Benchmark::name).toList()));
        boolean writeDoc = !"false".equals(System.getProperty("bench.doc"));
        int status = 0;
        for (Benchmark b : chosen) {
            PrintStream out = System.out;
            Machine machine = Machine.current();
            out.printf("== %s: %s (load average %s)%n", b.name(), b.title(), machine.loadAverage());
            BenchContext ctx = new BenchContext(root, root.resolve("testbeds/bench/cache"), System.err);
            Instant started = Instant.now();
            long t0 = System.nanoTime();
            List<Figure> figures;
            try {
                figures = b.run(ctx);
            } catch (Exception | Error e) {
                System.err.println(b.name() + " failed: " + e);
                e.printStackTrace();
                status = 1;
                continue;
            }
            BenchReport.Outcome o = new BenchReport.Outcome(b, machine, Machine.currentLoadAverage(), started,
                    Duration.ofNanos(System.nanoTime() - t0), command, figures, ctx.notes());
            print(out, o);
            if (writeDoc) {
                try {
                    BenchReport.update(root.resolve("docs/benchmarks.md"), o);
                    out.println("   section '" + b.name() + "' of docs/benchmarks.md updated");
                } catch (Exception e) {
                    System.err.println("could not update docs/benchmarks.md: " + e);
                    status = 1;
                }
            }
        }
        return status;
    }

    private static void print(PrintStream out, BenchReport.Outcome o) {
        for (Figure f : o.figures()) {
            StringBuilder line = new StringBuilder("   ").append(f.name()).append(": ")
                    .append(Figure.format(f.value())).append(' ').append(f.unit());
            if (f.peer().isPresent()) {
                line.append("  vs ").append(f.peerName()).append(": ").append(Figure.format(f.peer().getAsDouble()))
                        .append(' ').append(f.unit()).append("  ratio ").append(Figure.format(f.ratio().orElse(Double.NaN)));
            }
            if (!f.goal().text().isEmpty()) {
                line.append("  goal ").append(f.goal().text()).append(f.goalMet().map(m -> m ? " (met)" : " (MISSED)").orElse(""));
            }
            out.println(line);
        }
        o.notes().forEach(n -> out.println("   note: " + n));
        out.printf("   took %d s; load average at end %s%n", o.took().toSeconds(), o.loadAtEnd());
    }
}
