package io.snapferry.daemon.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The dependency rule of docs/architecture.md: the domain packages (naming, schedules, retention,
 * replication logic and planning, tasks) import only the JDK, the dataset SPI and their own kind;
 * only {@code io.snapferry.daemon.app} may name concrete providers and transports.
 */
class DependencyRuleTest {
    private static final Path SRC = Path.of("src/main/java/io/snapferry");
    private static final List<String> DOMAIN = List.of("naming", "schedule", "retention", "replication", "daemon/tasks",
            "daemon/scheduler", "daemon/lifecycle");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?(io\\.snapferry\\.[a-z.]+)", Pattern.MULTILINE);
    private static final List<String> FORBIDDEN = List.of("io.snapferry.zfs", "io.snapferry.store", "io.snapferry.ssh",
            "io.snapferry.web", "io.snapferry.cli", "io.snapferry.daemon.app");

    @Test
    void domainPackagesImportNoBridge() throws IOException {
        List<String> violations = new ArrayList<>();
        int files = 0;
        for (String pkg : DOMAIN) {
            Path dir = SRC.resolve(pkg);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path f : walk.filter(p -> p.toString().endsWith(".java")).toList()) {
                    files++;
                    Matcher m = IMPORT.matcher(Files.readString(f));
                    while (m.find()) {
                        String imported = m.group(1);
                        if (FORBIDDEN.stream().anyMatch(imported::startsWith)) {
                            violations.add(f + " imports " + imported);
                        }
                    }
                }
            }
        }
        assertThat(files).as("domain source files found").isPositive();
        assertThat(violations).isEmpty();
    }
}
