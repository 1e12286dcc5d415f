package io.snapferry.zfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.testing.Requirements;
import org.junit.jupiter.api.Test;

class ScrubStatusTest {
    @Test
    void theScrubLineIsReadFromBothDialects() {
        assertThat(ZfsCommandProvider.scrubLine("  pool: tank\n state: ONLINE\n scrub: none requested\nconfig:\n"))
                .contains("none requested");
        assertThat(ZfsCommandProvider.scrubLine("  pool: tank\n state: ONLINE\n  scan: scrub repaired 0B in 00:00:01 with 0 errors on Sun Nov 22\n"))
                .contains("scrub repaired 0B in 00:00:01 with 0 errors on Sun Nov 22");
        assertThat(ZfsCommandProvider.scrubLine("garbage")).isEmpty();
    }

    @Test
    void aRealPoolReportsItsScrubStatus() {
        Requirements.require(Requirements.onPath("zpool"), "zfs-fuse");
        try (ZfsTestPool pool = ZfsTestPool.create()) {
            assertThat(new ZfsCommandProvider().maintenanceStatus(pool.name())).isPresent();
        }
    }
}
