package io.snapferry.testbeds.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness's bookkeeping: figures, ratios, goals, and how a section replaces its old self. */
class BenchReportTest {
    @TempDir
    Path tmp;

    static final class Fixed implements Benchmark {
        private final String name;
        private final List<Figure> figures;

        Fixed(String name, List<Figure> figures) {
            this.name = name;
            this.figures = figures;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String title() {
            return "title of " + name;
        }

        @Override
        public String description() {
            return "What " + name + " does.";
        }

        @Override
        public List<Figure> run(BenchContext context) {
            return figures;
        }
    }

    static BenchReport.Outcome outcome(String name, double value) {
        Figure f = Figure.vs("send", value, 10, "s", "`zfs send`", Figure.Goal.ratioAtMost(1.1));
        return new BenchReport.Outcome(new Fixed(name, List.of(f)), new Machine(2, 8L << 30, "6.1.0", "17.0.9", "1.00 2.00 3.00"),
                "4.00 5.00 6.00", Instant.parse("2026-11-23T01:02:03Z"), Duration.ofSeconds(75), "testbeds/bench/run " + name,
                List.of(f), List.of("a note"));
    }

    @Test
    void ratiosAndGoals() {
        Figure slow = Figure.vs("send", 12, 10, "s", "zfs send", Figure.Goal.ratioAtMost(1.1));
        assertThat(slow.ratio()).hasValue(1.2);
        assertThat(slow.goalMet()).contains(false);
        assertThat(Figure.vs("send", 10.5, 10, "s", "zfs send", Figure.Goal.ratioAtMost(1.1)).goalMet()).contains(true);
        assertThat(Figure.vs("MiB/s", 900, 1000, "MiB/s", "ssh", Figure.Goal.ratioAtLeast(1.0)).goalMet()).contains(false);
        assertThat(Figure.vs("MiB/s", 1000, 1000, "MiB/s", "ssh", Figure.Goal.ratioAtLeast(1.0)).goalMet()).contains(true);
        assertThat(Figure.of("plan", 999, "ms", Figure.Goal.below(1000, "< 1 s")).goalMet()).contains(true);
        assertThat(Figure.of("plan", 1000, "ms", Figure.Goal.below(1000, "< 1 s")).goalMet()).contains(false);
        assertThat(Figure.of("rss", 80, "MiB", Figure.Goal.NONE).goalMet()).isEmpty();
        assertThat(Figure.of("plan", 5, "ms", Figure.Goal.ratioAtMost(1.1)).goalMet()).as("a ratio goal without a peer").isEmpty();
        assertThatThrownBy(() -> new Figure("x", 1, "s", java.util.OptionalDouble.of(1), " ", Figure.Goal.NONE))
                .hasMessageContaining("peer's name");
        assertThat(Figure.format(1234.4)).isEqualTo("1234");
        assertThat(Figure.format(12.34)).isEqualTo("12.3");
        assertThat(Figure.format(1.234)).isEqualTo("1.23");
        assertThat(Figure.format(0.1234)).isEqualTo("0.123");
    }

    @Test
    void theSectionCarriesMachineDateCommandAndFigures() {
        String s = BenchReport.section(outcome("alpha", 12));
        assertThat(s).startsWith("<!-- bench:alpha -->\n## alpha: title of alpha\n").endsWith("<!-- /bench:alpha -->\n")
                .contains("Measured 2026-11-23 01:02 UTC with `testbeds/bench/run alpha` (the run took 75 s)")
                .contains("2 CPUs (nproc), 8.0 GiB RAM, Linux 6.1.0, Java 17.0.9")
                .contains("at start 1.00 2.00 3.00, at end 4.00 5.00 6.00")
                .contains("| send | 12.0 s | `zfs send` | 10.0 s | 1.20 | ratio ≤ 1.10 | **no** |")
                .contains("- a note");
    }

    @Test
    void aPipeInACellIsEscapedSoTheTableHoldsTogether() {
        Figure f = Figure.vs("send | framed", 3, 1.5, "s", "`zfs send | cat`", Figure.Goal.NONE);
        BenchReport.Outcome o = outcome("gamma", 1);
        String s = BenchReport.section(new BenchReport.Outcome(o.benchmark(), o.machine(), o.loadAtEnd(), o.started(), o.took(),
                o.command(), List.of(f), List.of()));
        assertThat(s).contains("| send \\| framed | 3.00 s | `zfs send \\| cat` | 1.50 s | 2.00 | — | — |");
    }

    @Test
    void aSectionIsReplacedInPlaceAndTheOthersKept() throws Exception {
        Path doc = tmp.resolve("benchmarks.md");
        Files.writeString(doc, "# Benchmarks\n\nintro\n\n" + BenchReport.PENDING_MARKER + "\n## Not measured yet\n");
        BenchReport.update(doc, outcome("alpha", 12));
        BenchReport.update(doc, outcome("beta", 9));
        BenchReport.update(doc, outcome("alpha", 10.5));
        String text = Files.readString(doc);
        assertThat(text).startsWith("# Benchmarks\n\nintro\n\n<!-- bench:alpha -->").endsWith(BenchReport.PENDING_MARKER + "\n## Not measured yet\n");
        assertThat(text.indexOf("<!-- bench:alpha -->")).isLessThan(text.indexOf("<!-- bench:beta -->"));
        assertThat(text).contains("| send | 10.5 s |").doesNotContain("| send | 12.0 s |").contains("| send | 9.00 s |");
        assertThat(text.split("<!-- bench:alpha -->", -1)).hasSize(2);
    }

    @Test
    void withoutThePendingMarkerANewSectionIsAppended() {
        String text = BenchReport.replaceSection("# Benchmarks\n", "alpha", "<!-- bench:alpha -->\nx\n<!-- /bench:alpha -->\n");
        assertThat(text).isEqualTo("# Benchmarks\n\n<!-- bench:alpha -->\nx\n<!-- /bench:alpha -->\n");
    }

    @Test
    void aBrokenSectionIsRefusedRatherThanGuessed() {
        assertThatThrownBy(() -> BenchReport.replaceSection("<!-- bench:alpha -->\nno end\n", "alpha", "new"))
                .hasMessageContaining("without <!-- /bench:alpha -->");
    }
}
