package io.snapferry.web.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.snapferry.daemon.config.Json;
import io.snapferry.daemon.ssh.SshManager;
import io.snapferry.daemon.tasks.TaskRun;
import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.dataset.ReceiveOptions;
import io.snapferry.dataset.SendRequest;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.ssh.endpoint.RemoteEndpoint;
import io.snapferry.ssh.keys.KeyType;
import io.snapferry.ssh.keys.OpenSshKeys;
import io.snapferry.stream.FramedDatasetProvider;
import io.snapferry.stream.StreamOptions;
import io.snapferry.web.MutableClock;
import io.snapferry.web.TestBox;
import io.snapferry.web.WebClient;
import java.util.Map;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two whole boxes in one JVM, paired over HTTPS, talking over SSH. */
class SshBetweenBoxesTest {
    @TempDir
    Path tmp;
    MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    InMemoryDatasetProvider poolA;
    InMemoryDatasetProvider poolB;
    TestBox a;
    TestBox b;

    @BeforeEach
    void start() throws Exception {
        poolA = new InMemoryDatasetProvider(Clock.systemUTC(), "tank");
        poolB = new InMemoryDatasetProvider(Clock.systemUTC(), "tank");
        a = new TestBox(tmp.resolve("a"), Clock.systemUTC(), List.of(poolA));
        b = new TestBox(tmp.resolve("b"), clock, List.of(poolB));
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

    static String lastLine(String text) {
        List<String> lines = text.strip().lines().toList();
        return lines.get(lines.size() - 1);
    }

    String token(String... options) {
        String[] args = new String[options.length + 1];
        args[0] = "pair-token";
        System.arraycopy(options, 0, args, 1, options.length);
        TestBox.Result r = b.cli(args);
        assertThat(r.exit()).as(r.err()).isZero();
        String t = lastLine(r.out());
        assertThat(t).matches("sfp1\\.[A-Za-z0-9_-]{43}\\.[A-Za-z0-9_-]{43}");
        return t;
    }

    String bUrl() {
        return b.appliance().web().url();
    }

    TestBox.Result pair(String name, String token) {
        return a.cli("connection", "pair", "--name", name, "--url", bUrl(), "--token", token);
    }

    void pairAsB(String receiveRoot) {
        TestBox.Result r = pair("b", token("--receive-root", receiveRoot));
        assertThat(r.exit()).as(r.err()).isZero();
    }

    @Test
    void oneCommandOnEachSidePairsTheBoxesAndTheConnectionWorks() throws Exception {
        String token = token("--receive-root", "tank/fromA", "--ttl", "15m");
        // the token pins B's web certificate
        byte[] pinned = Base64.getUrlDecoder().decode(token.split("\\.")[2]);
        assertThat(java.util.HexFormat.of().formatHex(pinned)).isEqualTo(b.appliance().web().certificateFingerprint().orElseThrow());

        TestBox.Result paired = pair("b", token);
        assertThat(paired.exit()).as(paired.err()).isZero();
        assertThat(paired.out()).contains("paired: connection b to snapferry@127.0.0.1:" + b.appliance().ssh().service().port());

        TestBox.Result test = a.cli("connection", "test", "b");
        assertThat(test.exit()).as(test.out() + test.err()).isZero();
        assertThat(test.out()).startsWith("ok: connected to snapferry").contains("on box " + b.dataDir().boxId())
                .contains("as peer " + a.dataDir().boxId());

        // A pinned B's real host key; B registered A's key with the token's permissions
        JsonNode conn = Json.mapper().readTree(a.cli("connection", "show", "b", "--json").out());
        assertThat(conn.path("hostKeyFingerprint").asText()).isEqualTo(b.appliance().ssh().hostKey().fingerprint());
        assertThat(conn.path("keyPair").asText()).isEqualTo("b");
        JsonNode peers = Json.mapper().readTree(b.cli("peer", "list", "--json").out());
        assertThat(peers).hasSize(1);
        assertThat(peers.get(0).path("name").asText()).isEqualTo(a.dataDir().boxId());
        assertThat(peers.get(0).path("receiveRoot").asText()).isEqualTo("tank/fromA");
        assertThat(peers.get(0).path("fingerprint").asText()).isEqualTo(a.appliance().ssh().keyPair("b").fingerprint());
        assertThat(poolB.datasetNames()).contains(DatasetName.of("tank/fromA"));

        // the real SSH port is published for the CLI, and the services include ssh-server
        assertThat(b.dataDir().apiAddress().orElseThrow().sshPort()).isEqualTo(b.appliance().ssh().service().port()).isPositive();
        assertThat(b.cli("status", "--services").out()).containsPattern("ssh-server\\s+running");

        // the private key never left A
        assertThat(Files.readString(b.dataDir().config().resolve("peers.json"))).doesNotContain("PRIVATE KEY");
        assertThat(b.cli("peer", "list").out()).contains(a.dataDir().boxId(), "tank/fromA");
    }

    @Test
    void aUsedTokenIsRefusedAndRegistersNothing() throws Exception {
        String token = token("--receive-root", "tank/fromA");
        assertThat(pair("b", token).exit()).isZero();
        b.cli("peer", "delete", a.dataDir().boxId());

        TestBox.Result again = pair("b2", token);
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("refused to pair").contains("wrong, used already or expired");
        assertThat(b.appliance().ssh().peers()).isEmpty();
        assertThat(a.appliance().ssh().connections()).extracting(c -> c.name()).containsExactly("b");
        assertThat(a.appliance().ssh().keyPairs()).extracting(k -> k.name()).containsExactly("b");
    }

    @Test
    void aWrongTokenIsRefusedAndRegistersNothing() throws Exception {
        String real = token("--receive-root", "tank/fromA");
        String[] parts = real.split("\\.");
        String guessed = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]) + "." + parts[2];
        TestBox.Result r = pair("b", guessed);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("wrong, used already or expired");
        assertThat(b.appliance().ssh().peers()).isEmpty();
        assertThat(a.appliance().ssh().connections()).isEmpty();
        assertThat(a.appliance().ssh().keyPairs()).isEmpty();

        // a token made on another box pins another certificate: A does not even talk to B
        String otherCert = parts[0] + "." + parts[1] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
        TestBox.Result mitm = pair("b", otherCert);
        assertThat(mitm.exit()).isEqualTo(1);
        assertThat(mitm.err()).contains("its TLS certificate does not match the token");
        assertThat(b.appliance().ssh().peers()).isEmpty();

        // the real token was not spent by either attempt
        assertThat(pair("b", real).exit()).isZero();

        TestBox.Result garbage = pair("c", "not-a-token");
        assertThat(garbage.exit()).isEqualTo(1);
        assertThat(garbage.err()).contains("not a snapferry pairing token");
    }

    @Test
    void anExpiredTokenIsRefusedAndRegistersNothing() throws Exception {
        String token = token("--receive-root", "tank/fromA", "--ttl", "15m");
        clock.advance(Duration.ofMinutes(15).plusSeconds(1));
        TestBox.Result r = pair("b", token);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("wrong, used already or expired");
        assertThat(b.appliance().ssh().peers()).isEmpty();
        assertThat(a.appliance().ssh().connections()).isEmpty();
    }

    @Test
    void aWrongPinnedHostKeyFailsTheTestShowingBothFingerprints() throws Exception {
        pairAsB("tank/fromA");
        String impostor = OpenSshKeys.publicKeyLine(OpenSshKeys.generate(KeyType.ED25519).getPublic(), "");
        TestBox.Result upd = a.cli("connection", "update", "b", "--host-key", impostor);
        assertThat(upd.exit()).as(upd.err()).isZero();

        TestBox.Result test = a.cli("connection", "test", "b");
        assertThat(test.exit()).isEqualTo(1);
        assertThat(test.out()).startsWith("host key mismatch:")
                .contains(OpenSshKeys.fingerprint(impostor))
                .contains(b.appliance().ssh().hostKey().fingerprint());
        assertThat(test.err()).contains("HOST_KEY_MISMATCH");
    }

    @Test
    void aPeerConfinedToItsReceiveRootCannotReceiveElsewhere() throws Exception {
        pairAsB("tank/fromA");
        poolA.createDataset(DatasetName.of("tank/data"));
        poolA.write(DatasetName.of("tank/data"), "hello.txt", "hello".getBytes(StandardCharsets.UTF_8));
        SnapshotName s1 = SnapshotName.parse("tank/data@s1");
        poolA.createSnapshots(List.of(s1));
        // A frames what leaves it, as its own SSH server would
        FramedDatasetProvider framedA = new FramedDatasetProvider(poolA, a.dataDir().boxId(), StreamOptions.defaults(), io.snapferry.stream.KeyResolver.NONE,
                r -> { });
        poolB.createDataset(DatasetName.of("tank/other"));

        try (RemoteEndpoint endpoint = a.appliance().ssh().openEndpoint("b");
             InputStream stream = framedA.send(SendRequest.full(s1))) {
            assertThatThrownBy(() -> endpoint.receive(DatasetName.of("tank/other/data"), stream, ReceiveOptions.defaults()))
                    .isInstanceOf(DatasetException.class).hasMessageContaining("not authorised");
        }
        assertThat(poolB.datasetNames()).doesNotContain(DatasetName.of("tank/other/data"));

        try (RemoteEndpoint endpoint = a.appliance().ssh().openEndpoint("b");
             InputStream stream = framedA.send(SendRequest.full(s1))) {
            endpoint.receive(DatasetName.of("tank/fromA/data"), stream, ReceiveOptions.defaults());
        }
        assertThat(poolB.read(DatasetName.of("tank/fromA/data"), "hello.txt")).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
        // B verified the framed stream at its boundary and recorded it
        List<TaskRun> verified = b.appliance().history().list(r -> r.kind().equals(SshManager.VERIFY_KIND), 10);
        assertThat(verified).hasSize(1);
        assertThat(verified.get(0).subject()).isEqualTo("tank/fromA/data");
        assertThat(verified.get(0).state()).isEqualTo(TaskRun.State.SUCCEEDED);
    }

    @Test
    void theApiValidatesFieldByFieldAndNeverShowsPrivateKeys() throws Exception {
        WebClient api = new WebClient(a.appliance().web().url()).bearer(a.dataDir().adminToken());
        assertThat(api.post("/api/v1/keypairs", Map.of("name", "Bad/Name")).json().path("field").asText()).isEqualTo("name");
        assertThat(api.post("/api/v1/keypairs", Map.of("name", "k", "type", "dsa")).json().path("field").asText()).isEqualTo("type");
        WebClient.Response created = api.post("/api/v1/keypairs", Map.of("name", "k"));
        assertThat(created.status()).isEqualTo(201);
        assertThat(api.post("/api/v1/keypairs", Map.of("name", "k")).status()).isEqualTo(409);
        assertThat(api.get("/api/v1/keypairs").body()).contains("\"k\"").doesNotContain("PRIVATE");
        assertThat(api.get("/api/v1/keypairs/k").json().path("publicKey").asText()).startsWith("ssh-ed25519 ");

        String hostKey = b.appliance().ssh().hostKey().publicKey();
        Map<String, Object> good = Map.of("name", "b", "host", "127.0.0.1", "port", 8022, "keyPair", "k", "hostKey", hostKey);
        for (var bad : List.of(Map.entry("host", (Object) "bad host!"), Map.entry("port", 70000), Map.entry("keyPair", "nope"),
                Map.entry("hostKey", "ssh-ed25519 garbage"), Map.entry("user", "bad user"), Map.entry("ciphers", List.of("rot13")))) {
            Map<String, Object> body = new java.util.HashMap<>(good);
            body.put(bad.getKey(), bad.getValue());
            WebClient.Response r = api.post("/api/v1/connections", body);
            assertThat(r.status()).as(bad.toString()).isEqualTo(400);
            assertThat(r.json().path("field").asText()).as(bad.toString()).isEqualTo(bad.getKey());
        }
        Map<String, Object> noKey = new java.util.HashMap<>(good);
        noKey.remove("hostKey");
        assertThat(api.post("/api/v1/connections", noKey).json().path("field").asText()).isEqualTo("hostKey");
        assertThat(api.post("/api/v1/connections", good).status()).isEqualTo(201);
        assertThat(api.post("/api/v1/connections", good).status()).isEqualTo(409);
        assertThat(api.delete("/api/v1/keypairs/k").status()).isEqualTo(409);

        // discovering a host key answers B's real one
        JsonNode found = api.post("/api/v1/connections/discover-host-key",
                Map.of("host", "127.0.0.1", "port", b.appliance().ssh().service().port())).json();
        assertThat(found.path("fingerprint").asText()).isEqualTo(b.appliance().ssh().hostKey().fingerprint());

        // the pairing route is public, and a caller without a good token learns nothing
        WebClient anonymous = new WebClient(b.appliance().web().url());
        WebClient.Response refused = anonymous.post("/api/v1/pairing", Map.of("token", "sfp1.x.y", "name", "intruder",
                "publicKey", api.get("/api/v1/keypairs/k").json().path("publicKey").asText()));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().path("field").asText()).isEqualTo("token");
        assertThat(b.appliance().ssh().peers()).isEmpty();
        assertThat(anonymous.get("/api/v1/peers").status()).isEqualTo(401);
        assertThat(anonymous.post("/api/v1/pair-tokens", Map.of()).status()).isEqualTo(401);
    }

    @Test
    void peerPermissionsChangeAndARemovedPeerCannotConnect() throws Exception {
        pairAsB("tank/fromA");
        String peer = a.dataDir().boxId();
        TestBox.Result upd = b.cli("peer", "update", peer, "--no-receive", "--read", "tank/data");
        assertThat(upd.exit()).as(upd.err()).isZero();
        TestBox.Result show = b.cli("peer", "show", peer);
        assertThat(show.out()).contains("receive root: none").contains("readable:     tank/data");
        TestBox.Result badPool = b.cli("peer", "update", peer, "--receive-root", "nopool/x");
        assertThat(badPool.exit()).isEqualTo(1);
        assertThat(badPool.err()).contains("pool nopool does not exist");

        assertThat(b.cli("peer", "delete", peer).exit()).isZero();
        TestBox.Result test = a.cli("connection", "test", "b");
        assertThat(test.exit()).isEqualTo(1);
        assertThat(test.out()).startsWith("auth failed:");
        assertThat(b.cli("peer", "show", peer).err()).contains("no peer named");
    }
}
