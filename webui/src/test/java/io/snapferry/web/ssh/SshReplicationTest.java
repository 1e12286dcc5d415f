package io.snapferry.web.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.config.Json;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.dataset.Snapshot;
import io.snapferry.testing.MutableClock;
import io.snapferry.web.TestBox;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two boxes paired with one command each, replicating over SSH: push, encrypted push, pull. */
class SshReplicationTest {
    @TempDir
    Path tmp;
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:30Z"), ZoneOffset.UTC);
    InMemoryDatasetProvider poolA;
    InMemoryDatasetProvider poolB;
    TestBox a;
    TestBox b;

    @BeforeEach
    void start() throws Exception {
        poolA = new InMemoryDatasetProvider(clock, "tank");
        poolB = new InMemoryDatasetProvider(clock, "vault");
        poolA.createDataset(DatasetName.of("tank/src/child"));
        poolA.createDataset(DatasetName.of("tank/pub"));
        a = new TestBox(tmp.resolve("a"), clock, List.of(poolA));
        b = new TestBox(tmp.resolve("b"), clock, List.of(poolB));
        for (TestBox box : List.of(a, b)) {
            box.appliance().settings().put(new io.snapferry.daemon.config.Settings("UTC", 2));
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    private static TestBox.Result ok(TestBox box, String... args) {
        TestBox.Result r = box.cli(args);
        assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err() + r.out()).isZero();
        return r;
    }

    private static String last(TestBox.Result r) {
        List<String> lines = r.out().strip().lines().toList();
        return lines.get(lines.size() - 1);
    }

    /** Box {@code to} makes a token; box {@code from} pairs with it under {@code name}. */
    private static void pair(TestBox from, TestBox to, String name, String... tokenOptions) {
        String[] args = new String[tokenOptions.length + 1];
        args[0] = "pair-token";
        System.arraycopy(tokenOptions, 0, args, 1, tokenOptions.length);
        String token = last(ok(to, args));
        ok(from, "connection", "pair", "--name", name, "--url", to.appliance().web().url(), "--token", token);
        ok(from, "connection", "test", name);
    }

    private static List<Long> guids(InMemoryDatasetProvider p, String d) {
        return p.listSnapshots(DatasetName.of(d)).stream().map(Snapshot::guid).toList();
    }

    private static List<String> names(InMemoryDatasetProvider p, String d) {
        return p.listSnapshots(DatasetName.of(d)).stream().map(Snapshot::shortName).toList();
    }

    private String snapshotTask(String dataset) {
        return last(ok(a, "snapshot-task", "create", "--dataset", dataset, "--recursive", "--naming", "auto-%Y-%m-%d_%H-%M",
                "--schedule", "*/15 * * * *", "--allow-empty"));
    }

    @Test
    void pushFullThenIncrementalsWithTargetRetentionOnB() throws Exception {
        pair(a, b, "b", "--receive-root", "vault/fromA");
        String st = snapshotTask("tank/src");
        ok(a, "snapshot-task", "run", st, "--wait");
        ok(a, "replication", "create", "--name", "offsite", "--transport", "ssh", "--connection", "b", "--source", "tank/src",
                "--target", "vault/fromA/src", "--recursive", "--snapshot-task", st, "--retention", "custom", "--lifetime", "40m",
                "--compression", "lz4");
        assertThat(ok(a, "replication", "run", "offsite", "--wait").out()).contains("succeeded: replicated 2 snapshots");
        assertThat(guids(poolB, "vault/fromA/src")).isEqualTo(guids(poolA, "tank/src"));
        assertThat(guids(poolB, "vault/fromA/src/child")).isEqualTo(guids(poolA, "tank/src/child"));

        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofMinutes(15));
            poolA.write(DatasetName.of("tank/src/child"), "f" + i, new byte[] {(byte) i});
            ok(a, "snapshot-task", "run", st, "--wait");
        }
        assertThat(ok(a, "replication", "run", "offsite", "--wait").out()).contains("replicated 6 snapshots");
        assertThat(names(poolA, "tank/src")).hasSize(4);
        assertThat(names(poolB, "vault/fromA/src")).containsExactly("auto-2026-11-22_10-15", "auto-2026-11-22_10-30",
                "auto-2026-11-22_10-45");
        assertThat(poolB.read(DatasetName.of("vault/fromA/src/child"), "f2")).containsExactly(2);
        // B verified every stream it received and says so in its task history
        JsonNode verified = Json.mapper().readTree(b.cli("task", "list", "--kind", "verify-receive", "--json").out());
        assertThat(verified.size()).isGreaterThanOrEqualTo(4);
        verified.forEach(v -> assertThat(v.path("state").asText()).isEqualTo("SUCCEEDED"));
    }

    @Test
    void anEncryptedPushNeedsTheSameKeyOnBothBoxes() throws Exception {
        pair(a, b, "b", "--receive-root", "vault/fromA");
        String st = snapshotTask("tank/src");
        ok(a, "snapshot-task", "run", st, "--wait");
        ok(a, "stream-key", "create", "offsite");
        Path keyFile = tmp.resolve("offsite.key");
        ok(a, "stream-key", "export", "offsite", "--to", keyFile.toString());
        ok(b, "stream-key", "import", "offsite", "--file", keyFile.toString());
        ok(a, "replication", "create", "--name", "secret", "--transport", "ssh", "--connection", "b", "--source", "tank/src",
                "--target", "vault/fromA/src", "--snapshot-task", st, "--encrypt", "--key", "offsite", "--retries", "0");
        ok(a, "replication", "run", "secret", "--wait");
        String fingerprint = b.appliance().streamKeys().list().get(0).fingerprint();
        assertThat(b.appliance().verification().recent(1).get(0).keyFingerprint()).isEqualTo(fingerprint);

        // B's key is replaced by another of the same name: A's next stream is refused, and nothing lands.
        ok(b, "stream-key", "delete", "offsite");
        ok(b, "stream-key", "create", "offsite");
        clock.advance(Duration.ofMinutes(15));
        ok(a, "snapshot-task", "run", st, "--wait");
        TestBox.Result refused = a.cli("replication", "run", "secret", "--wait");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.out() + refused.err()).contains("fingerprint mismatch");
        assertThat(names(poolB, "vault/fromA/src")).containsExactly("auto-2026-11-22_10-00");
    }

    @Test
    void bPullsWhatItMayReadAndNothingElse() {
        pair(b, a, "a", "--permissions", "read", "--read", "tank/pub");
        poolA.write(DatasetName.of("tank/pub"), "readme", "hello".getBytes());
        ok(a, "snapshot", "create", "tank/pub@auto-2026-11-22_10-00");
        ok(a, "snapshot", "create", "tank/src@auto-2026-11-22_10-00");
        ok(b, "replication", "create", "--name", "mirror", "--direction", "pull", "--transport", "ssh", "--connection", "a",
                "--source", "tank/pub", "--target", "vault/mirror", "--naming", "auto-%Y-%m-%d_%H-%M");
        ok(b, "replication", "run", "mirror", "--wait");
        assertThat(guids(poolB, "vault/mirror")).isEqualTo(guids(poolA, "tank/pub"));
        assertThat(poolB.read(DatasetName.of("vault/mirror"), "readme")).isEqualTo("hello".getBytes());

        ok(b, "replication", "create", "--name", "sneaky", "--direction", "pull", "--transport", "ssh", "--connection", "a",
                "--source", "tank/src", "--target", "vault/stolen", "--naming", "auto-%Y-%m-%d_%H-%M", "--retries", "0");
        TestBox.Result r = b.cli("replication", "run", "sneaky", "--wait");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out() + r.err()).contains("not authorised");
        assertThat(poolB.exists(DatasetName.of("vault/stolen"))).isFalse();
    }
}
