package io.snapferry.testbeds.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.testing.Requirements;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Keeps the unit's sandboxing from eroding: systemd's own review of systemd/snapferry.service (which
 * needs no running systemd in offline mode) must stay at or below the exposure recorded in
 * systemd/README.md.
 */
class UnitSecurityTest {
    private static final Path UNIT = Path.of("").toAbsolutePath().getParent().resolve("systemd/snapferry.service");

    @Test
    void exposure_stays_low() throws Exception {
        Requirements.require(Requirements.onPath("systemd-analyze"), "systemd-analyze (package systemd)");
        // --threshold is the overall exposure times ten; the unit scores 3.2 ("OK").
        Commands.Result r = Commands.run(Duration.ofMinutes(1), "systemd-analyze", "security", "--offline=yes",
                "--threshold=32", "--no-pager", UNIT.toString());
        assertThat(r.output()).contains("Overall exposure level for snapferry.service");
        r.expectSuccess();
    }
}
