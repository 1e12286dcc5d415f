package io.snapferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.health.SpaceMonitor;
import io.snapferry.daemon.metrics.Promtool;
import io.snapferry.zfs.ZfsCommandProvider;
import io.snapferry.zfs.ZfsTestPool;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real ZFS pool (zfs-fuse): its health and space reach the pools API, the metrics and the space monitor. */
class PoolHealthZfsTest {
    @TempDir
    Path tmp;

    @Test
    void aZfsPoolShowsItsHealthAndSpace() throws Exception {
        try (ZfsTestPool pool = ZfsTestPool.create();
             TestBox box = new TestBox(tmp.resolve("data"), Clock.systemUTC(), List.of(new ZfsCommandProvider()))) {
            WebClient admin = new WebClient(box.appliance().web().url()).bearer(box.dataDir().adminToken());
            JsonNode mine = null;
            for (JsonNode p : admin.get("/api/v1/pools").json()) {
                if (p.path("name").asText().equals(pool.name())) {
                    mine = p;
                }
            }
            assertThat(mine).as("pool " + pool.name() + " listed").isNotNull();
            assertThat(mine.path("provider").asText()).isEqualTo("zfs");
            assertThat(mine.path("space").path("health").asText()).isEqualTo("ONLINE");
            long size = mine.path("space").path("size").asLong();
            assertThat(size).isPositive();

            SpaceMonitor.PoolReport report = box.appliance().spaceMonitor().check().stream()
                    .filter(r -> r.pool().equals(pool.name())).findFirst().orElseThrow();
            assertThat(report.health()).isEqualTo("ONLINE");
            assertThat(report.low()).isFalse();

            String metrics = new WebClient(box.appliance().web().url()).get("/metrics").body();
            assertThat(metrics).containsPattern("snapferry_pool_size_bytes\\{pool=\"" + pool.name() + "\"\\} [1-9][0-9]*\n");
            Promtool.check(metrics);
        }
    }
}
