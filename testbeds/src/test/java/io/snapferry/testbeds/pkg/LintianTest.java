package io.snapferry.testbeds.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.testing.Requirements;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * lintian finds no error and no warning in the built package but the ones debian/README.md lists and
 * explains (multi-release jars with newer class versions; jars without classes).
 */
class LintianTest {
    private static final Path DEB = Path.of(System.getProperty("snapferry.deb",
            Path.of("").toAbsolutePath().getParent().resolve("debian/target/snapferry_0.1.0_all.deb").toString()));

    @Test
    void lintian_is_content() throws Exception {
        Requirements.require(Requirements.onPath("lintian"), "lintian");
        assertThat(DEB).as("the package built by the debian module (mvn package)").isRegularFile();
        Commands.run(Duration.ofMinutes(5), "lintian", "--fail-on", "error,warning",
                "--suppress-tags", "unknown-java-class-version,codeless-jar", DEB.toString()).expectSuccess();
    }
}
