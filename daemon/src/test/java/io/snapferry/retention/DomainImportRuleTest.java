package io.snapferry.retention;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The domain packages naming, schedule and retention stay pure: they import only java.*, the dataset
 * SPI and (schedule only) cron-utils, no I/O packages, and never read the clock.
 */
class DomainImportRuleTest {

    @ParameterizedTest
    @CsvSource({"naming, java.;io.snapferry.dataset.", "schedule, java.;io.snapferry.dataset.;com.cronutils.",
        "retention, java.;io.snapferry.dataset."})
    void domainPackagesImportOnlyWhatTheyMay(String pkg, String allowed) throws IOException {
        Path dir = Path.of("src/main/java/io/snapferry", pkg);
        assertThat(dir).isDirectory();
        List<String> problems = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                for (String line : Files.readAllLines(f)) {
                    String l = line.strip();
                    if (l.startsWith("import ")) {
                        String target = l.substring(7).replace("static ", "").strip();
                        boolean ok = Stream.of(allowed.split(";")).anyMatch(target::startsWith)
                                && !target.startsWith("java.io.") && !target.startsWith("java.nio.")
                                && !target.startsWith("java.net.");
                        if (!ok) {
                            problems.add(f.getFileName() + ": " + l);
                        }
                    }
                    for (String clock : List.of("Instant.now(", "System.currentTimeMillis", "Clock.system", ".now()")) {
                        if (l.contains(clock) && !l.startsWith("*") && !l.startsWith("//")) {
                            problems.add(f.getFileName() + " reads the clock: " + l);
                        }
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
    }
}
