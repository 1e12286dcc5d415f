package io.snapferry.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.config.DataDir;
import io.snapferry.daemon.config.Json;
import io.snapferry.dataset.InMemoryDatasetProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliAgainstDaemonTest {
    @TempDir
    Path tmp;
    TestBox box;

    @BeforeEach
    void start() throws Exception {
        box = new TestBox(tmp.resolve("data"), Clock.systemUTC(), List.of(new InMemoryDatasetProvider(Clock.systemUTC(), "tank")));
    }

    @AfterEach
    void stop() throws Exception {
        box.close();
    }

    @Test
    void datasetsAndSnapshotsThroughTheCli() throws Exception {
        assertThat(box.cli("dataset", "create", "tank/a").exit()).isZero();
        assertThat(box.cli("dataset", "create", "tank/a/b").exit()).isZero();
        assertThat(box.cli("dataset", "create", "tank/a/c").exit()).isZero();

        TestBox.Result list = box.cli("dataset", "list", "--json");
        assertThat(list.exit()).isZero();
        JsonNode ds = Json.mapper().readTree(list.out());
        assertThat(ds.findValuesAsText("name")).contains("tank", "tank/a", "tank/a/b");
        assertThat(ds.get(0).has("guid")).isTrue();
        assertThat(ds.get(0).has("mountpoint")).isTrue();
        assertThat(ds.get(0).has("available")).isTrue();

        assertThat(box.cli("snapshot", "create", "tank/a@s1", "--recursive", "--exclude", "tank/a/c").exit()).isZero();
        JsonNode snaps = Json.mapper().readTree(box.cli("snapshot", "list", "tank/a/b", "--json").out());
        assertThat(snaps).hasSize(1);
        assertThat(snaps.get(0).get("name").asText()).isEqualTo("tank/a/b@s1");
        for (String field : List.of("guid", "createdAt", "used", "referenced", "holds")) {
            assertThat(snaps.get(0).has(field)).as(field).isTrue();
        }
        assertThat(Json.mapper().readTree(box.cli("snapshot", "list", "tank/a/c", "--json").out())).isEmpty();

        assertThat(box.cli("snapshot", "hold", "tank/a@s1", "keep").exit()).isZero();
        TestBox.Result held = box.cli("snapshot", "destroy", "tank/a@s1");
        assertThat(held.exit()).isEqualTo(1);
        assertThat(held.err()).contains("held");
        assertThat(box.cli("snapshot", "release", "tank/a@s1", "keep").exit()).isZero();
        assertThat(box.cli("snapshot", "create", "tank/a@s2").exit()).isZero();
        TestBox.Result rb = box.cli("snapshot", "rollback", "tank/a@s1");
        assertThat(rb.exit()).isEqualTo(1);
        assertThat(rb.err()).contains("newer");
        assertThat(box.cli("snapshot", "rollback", "tank/a@s1", "--destroy-newer").exit()).isZero();
        assertThat(box.cli("snapshot", "destroy", "tank/a@s1").exit()).isZero();
        assertThat(Json.mapper().readTree(box.cli("snapshot", "list", "tank/a", "--json").out())).isEmpty();
    }

    @Test
    void badInputGivesOneLineReasonsAndNonZeroExit() {
        TestBox.Result badName = box.cli("dataset", "create", "tank/a b");
        assertThat(badName.exit()).isEqualTo(1);
        assertThat(badName.err().strip()).startsWith("snapferry: invalid dataset name 'tank/a b'").doesNotContain("\n");

        TestBox.Result missing = box.cli("snapshot", "list", "tank/nope");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("tank/nope does not exist");

        TestBox.Result noPool = box.cli("dataset", "create", "other/x");
        assertThat(noPool.exit()).isEqualTo(1);
        assertThat(noPool.err()).contains("pool other does not exist");

        TestBox.Result usage = box.cli("snapshot", "create", "tank/a");
        assertThat(usage.exit()).isEqualTo(1);
        assertThat(usage.err()).contains("expected DATASET@SNAPSHOT");

        assertThat(box.cli("frobnicate").exit()).isEqualTo(2);
        assertThat(box.cli("dataset", "list", "--bogus").err()).contains("unknown option --bogus");
    }

    @Test
    void noDaemonIsAClearError() {
        var err = new java.io.ByteArrayOutputStream();
        int code = io.snapferry.cli.Main.run(new String[] {"--data", tmp.resolve("elsewhere").toString(), "dataset", "list"},
                new java.io.PrintStream(new java.io.ByteArrayOutputStream()), new java.io.PrintStream(err));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("no snapferry daemon is running on");
    }

    @Test
    void secondDaemonOnTheSameDirectoryIsRefused() {
        var e = org.assertj.core.api.Assertions.catchThrowable(() -> new TestBox(box.dataDir().root(), Clock.systemUTC(),
                List.of(new InMemoryDatasetProvider(Clock.systemUTC(), "tank"))));
        assertThat(e).isInstanceOf(DataDir.AlreadyRunningException.class)
                .hasMessageContaining("another snapferry daemon (pid " + ProcessHandle.current().pid() + ") is already running");
    }

    @Test
    void credentialIsPrivateAndApiRefusesStrangers() throws Exception {
        Path token = box.dataDir().root().resolve("admin.token");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(token))).isEqualTo("rw-------");
        Files.writeString(token, "sfa_wrong\n");
        TestBox.Result r = box.cli("dataset", "list");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("authentication required");
    }
}
