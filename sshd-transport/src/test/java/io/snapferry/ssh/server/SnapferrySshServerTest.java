package io.snapferry.ssh.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.dataset.DatasetName;
import io.snapferry.ssh.Processes;
import io.snapferry.ssh.TwoBoxes;
import io.snapferry.ssh.endpoint.EndpointIdentity;
import io.snapferry.ssh.keys.KeyPairs;
import io.snapferry.testing.Requirements;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server against the real OpenSSH client: a peer's key reaches the endpoint and nothing else. */
class SnapferrySshServerTest {
    @TempDir
    Path tmp;
    TwoBoxes boxes;
    Path knownHosts;
    Path marker;

    @BeforeEach
    void start() throws IOException {
        Requirements.require(Requirements.onPath("ssh") && Requirements.onPath("sftp") && Requirements.onPath("ssh-keygen"),
                "OpenSSH client tools");
        boxes = new TwoBoxes(tmp);
        knownHosts = tmp.resolve("known_hosts");
        Files.writeString(knownHosts, "[127.0.0.1]:" + boxes.server.port() + " " + boxes.server.hostPublicKey() + "\n");
        marker = tmp.resolve("marker");
    }

    @AfterEach
    void stop() throws IOException {
        boxes.close();
    }

    private List<String> ssh(Path key, String... more) {
        List<String> cmd = new ArrayList<>(List.of("ssh", "-F", "/dev/null", "-i", key.toString(), "-p", Integer.toString(boxes.server.port()),
                "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + knownHosts, "-o", "BatchMode=yes",
                "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10"));
        cmd.addAll(List.of(more));
        return cmd;
    }

    private Path peerKey() {
        return tmp.resolve("a-keys/tob.key");
    }

    @Test
    void hostKeyIsKeptPrivateAndFingerprintedLikeOpenSsh() throws Exception {
        Path hostKey = tmp.resolve("b/keys/host.key");
        assertThat(Files.getPosixFilePermissions(hostKey)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        Processes.Result r = Processes.run(List.of("ssh-keygen", "-lf", hostKey.toString()), (String) null, tmp);
        assertThat(r.stdout().split(" ")[1]).isEqualTo(boxes.server.hostKeyFingerprint());
        assertThat(boxes.server.hostPublicKey()).startsWith("ssh-ed25519 ");
        // a second server on the same file keeps the same key
        try (SnapferrySshServer again = new SnapferrySshServer(new SnapferrySshServer.Settings("127.0.0.1", 0, hostKey,
                new EndpointIdentity("box-b", "0.1.0")), boxes.peers, boxes.b)) {
            again.start();
            assertThat(again.hostKeyFingerprint()).isEqualTo(boxes.server.hostKeyFingerprint());
            assertThat(again.port()).isNotEqualTo(boxes.server.port());
        }
        // the OpenSSH client verifies the pinned key and authenticates: the endpoint answers
        Processes.Result hello = Processes.runBytes(ssh(peerKey(), "-s", "snapferry@127.0.0.1", "snapferry-endpoint"),
                helloFrame(), tmp);
        assertThat(hello.stdout()).contains("\"boxId\":\"box-b\"").contains("\"peer\":\"boxa\"");
    }

    private static byte[] helloFrame() {
        byte[] json = "{\"op\":\"hello\",\"versions\":[1],\"boxId\":\"cli\",\"software\":\"1\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] f = new byte[5 + json.length];
        int len = json.length + 1;
        f[0] = (byte) (len >>> 24);
        f[1] = (byte) (len >>> 16);
        f[2] = (byte) (len >>> 8);
        f[3] = (byte) len;
        f[4] = 1;
        System.arraycopy(json, 0, f, 5, json.length);
        return f;
    }

    @Test
    void noShell() throws Exception {
        Processes.Result r = Processes.run(ssh(peerKey(), "-T", "snapferry@127.0.0.1"), "touch " + marker + "\nexit 0\n", tmp);
        assertThat(r.exitCode()).as(r.stderr()).isNotZero();
        assertThat(r.stderr()).contains("shell request failed");
        assertThat(marker).doesNotExist();
    }

    @Test
    void noExec() throws Exception {
        Processes.Result r = Processes.run(ssh(peerKey(), "snapferry@127.0.0.1", "touch " + marker), (String) null, tmp);
        assertThat(r.exitCode()).as(r.stderr()).isNotZero();
        assertThat(r.stderr()).contains("exec request failed");
        Processes.Result id = Processes.run(ssh(peerKey(), "snapferry@127.0.0.1", "id"), (String) null, tmp);
        assertThat(id.exitCode()).isNotZero();
        assertThat(id.stdout()).doesNotContain("uid=");
        assertThat(marker).doesNotExist();
    }

    @Test
    void unknownKeysAreRefusedAtAuthenticationAndOnlyPublicKeyIsOffered() throws Exception {
        new KeyPairs(tmp.resolve("stranger")).generate("x");
        Processes.Result r = Processes.run(ssh(tmp.resolve("stranger/x.key"), "snapferry@127.0.0.1", "true"), (String) null, tmp);
        assertThat(r.exitCode()).isEqualTo(255);
        assertThat(r.stderr()).contains("Permission denied (publickey)");
        // a removed peer can no longer get in
        boxes.peers.remove("boxa");
        Processes.Result removed = Processes.runBytes(ssh(peerKey(), "-s", "snapferry@127.0.0.1", "snapferry-endpoint"), helloFrame(), tmp);
        assertThat(removed.exitCode()).isEqualTo(255);
        assertThat(removed.stderr()).contains("Permission denied (publickey)");
    }

    @Test
    void noForwardingOfAnyKind() throws Exception {
        // -W opens a direct-tcpip channel, as -L does for each forwarded connection
        Processes.Result local = Processes.run(ssh(peerKey(), "-W", "127.0.0.1:" + boxes.server.port(), "snapferry@127.0.0.1"), "", tmp);
        assertThat(local.exitCode()).isNotZero();
        assertThat(local.stderr()).contains("open failed");
        Processes.Result remote = Processes.run(ssh(peerKey(), "-N", "-o", "ExitOnForwardFailure=yes",
                "-R", "127.0.0.1:0:127.0.0.1:" + boxes.server.port(), "snapferry@127.0.0.1"), "", tmp);
        assertThat(remote.exitCode()).isNotZero();
        assertThat(remote.stderr()).contains("remote port forwarding failed");
    }

    @Test
    void onlyAesGcmIsOffered() throws Exception {
        Processes.Result chacha = Processes.runBytes(ssh(peerKey(), "-c", "chacha20-poly1305@openssh.com", "-s", "snapferry@127.0.0.1",
                "snapferry-endpoint"), helloFrame(), tmp);
        assertThat(chacha.exitCode()).isEqualTo(255);
        assertThat(chacha.stderr()).contains("no matching cipher found");
        Processes.Result gcm = Processes.runBytes(ssh(peerKey(), "-c", "aes256-gcm@openssh.com", "-s", "snapferry@127.0.0.1",
                "snapferry-endpoint"), helloFrame(), tmp);
        assertThat(gcm.stdout()).contains("\"ok\":true");
    }

    @Test
    void noSftp() throws Exception {
        Processes.Result r = Processes.run(List.of("sftp", "-F", "/dev/null", "-i", peerKey().toString(), "-P", Integer.toString(boxes.server.port()),
                "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + knownHosts, "-o", "BatchMode=yes",
                "-o", "IdentitiesOnly=yes", "-b", "-", "snapferry@127.0.0.1"), "ls /\n", tmp);
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).containsAnyOf("subsystem request failed", "Connection closed");
        assertThat(r.stdout()).doesNotContain("bin");
    }

    @Test
    void peerRegistryIsKeptAtomicallyAndValidated() throws IOException {
        Path file = tmp.resolve("b/peers.json");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        FilePeerRegistry reread = new FilePeerRegistry(file);
        assertThat(reread.list()).containsExactlyElementsOf(boxes.peers.list());
        Peer a = reread.find("boxa").orElseThrow();
        assertThat(a.mayReceive(DatasetName.of("pool/fromA/x/y"))).isTrue();
        assertThat(a.mayReceive(DatasetName.of("pool/fromAB"))).isFalse();
        assertThat(a.mayRead(DatasetName.of("pool/data/child"))).isTrue();
        assertThat(a.mayRead(DatasetName.of("pool/fromA"))).isFalse();
        assertThat(reread.findByKey(a.key())).contains(a);
        assertThatThrownBy(() -> reread.put(new Peer("other", a.publicKey(), Optional.empty(), List.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already belongs to peer boxa");
        assertThatThrownBy(() -> new Peer("Bad Name", a.publicKey(), Optional.empty(), List.of()))
                .hasMessageContaining("invalid peer name");
        assertThatThrownBy(() -> new Peer("x", "ssh-ed25519 garbage", Optional.empty(), List.of()))
                .hasMessageContaining("not an OpenSSH public key line");
        try (var files = Files.list(file.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }
}
