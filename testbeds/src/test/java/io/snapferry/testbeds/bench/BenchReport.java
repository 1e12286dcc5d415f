package io.snapferry.testbeds.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Renders one benchmark's outcome as a markdown section and puts it into {@code docs/benchmarks.md}:
 * the section between {@code <!-- bench:NAME -->} and {@code <!-- /bench:NAME -->} is replaced,
 * every other part of the document is kept. A benchmark without a section yet gets one before the
 * "not measured yet" list (marked {@code <!-- bench-pending -->}), or at the end.
 */
public final class BenchReport {
    static final String PENDING_MARKER = "<!-- bench-pending -->";
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    private BenchReport() {
    }

    /** Everything one run produced. */
    public record Outcome(Benchmark benchmark, Machine machine, String loadAtEnd, Instant started, Duration took,
                          String command, List<Figure> figures, List<String> notes) {
    }

    static String begin(String name) {
        return "<!-- bench:" + name + " -->";
    }

    static String end(String name) {
        return "<!-- /bench:" + name + " -->";
    }

    /** The section, markers included, ending with a newline. */
    static String section(Outcome o) {
        Benchmark b = o.benchmark();
        StringBuilder s = new StringBuilder();
        s.append(begin(b.name())).append('\n');
        s.append("## ").append(b.name()).append(": ").append(b.title()).append("\n\n");
        s.append(b.description().strip()).append("\n\n");
        s.append("Measured ").append(WHEN.format(o.started())).append(" with `").append(o.command()).append("` (the run took ")
                .append(humanDuration(o.took())).append(").  \n");
        s.append("Machine: ").append(o.machine().describe()).append(".  \n");
        s.append("Load average (1/5/15 min) at start ").append(o.machine().loadAverage()).append(", at end ")
                .append(o.loadAtEnd()).append(".\n\n");
        s.append("| Figure | snapferry | Peer | Peer value | Ratio | Goal | Met |\n");
        s.append("|---|---:|---|---:|---:|---|---|\n");
        for (Figure f : o.figures()) {
            s.append("| ").append(cell(f.name()))
                    .append(" | ").append(Figure.format(f.value())).append(' ').append(f.unit())
                    .append(" | ").append(f.peer().isPresent() ? cell(f.peerName()) : "—")
                    .append(" | ").append(f.peer().isPresent() ? Figure.format(f.peer().getAsDouble()) + " " + f.unit() : "—")
                    .append(" | ").append(f.ratio().isPresent() ? Figure.format(f.ratio().getAsDouble()) : "—")
                    .append(" | ").append(f.goal().text().isEmpty() ? "—" : f.goal().text())
                    .append(" | ").append(f.goalMet().map(m -> m ? "yes" : "**no**").orElse("—"))
                    .append(" |\n");
        }
        if (!o.notes().isEmpty()) {
            s.append('\n');
            for (String n : o.notes()) {
                s.append("- ").append(n).append('\n');
            }
        }
        s.append(end(b.name())).append('\n');
        return s.toString();
    }

    /** Text for a table cell: a {@code |} (a shell pipe in a command) would end the cell. */
    static String cell(String text) {
        return text.replace("|", "\\|");
    }

    /** Replaces (or adds) the outcome's section in {@code doc}, atomically. */
    static void update(Path doc, Outcome o) throws IOException {
        String text = Files.exists(doc) ? Files.readString(doc, StandardCharsets.UTF_8) : "# Benchmarks\n\n";
        String updated = replaceSection(text, o.benchmark().name(), section(o));
        Path tmp = doc.resolveSibling(doc.getFileName() + ".tmp");
        Files.writeString(tmp, updated, StandardCharsets.UTF_8);
        Files.move(tmp, doc, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static String replaceSection(String text, String name, String section) {
        int b = text.indexOf(begin(name));
        if (b >= 0) {
            int e = text.indexOf(end(name), b);
            if (e < 0) {
                throw new IllegalStateException("docs/benchmarks.md has " + begin(name) + " without " + end(name)
                        + "; fix the markers by hand");
            }
            int after = e + end(name).length();
            if (after < text.length() && text.charAt(after) == '\n') {
                after++;
            }
            return text.substring(0, b) + section + text.substring(after);
        }
        int pending = text.indexOf(PENDING_MARKER);
        if (pending >= 0) {
            return text.substring(0, pending) + section + "\n" + text.substring(pending);
        }
        return text + (text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n") + section;
    }

    private static String humanDuration(Duration d) {
        long s = d.toSeconds();
        return s < 120 ? s + " s" : (s / 60) + " min " + (s % 60) + " s";
    }
}
