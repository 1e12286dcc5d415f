package io.snapferry.ssh.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.ssh.OpenSshd;
import io.snapferry.ssh.TwoBoxes;
import io.snapferry.ssh.keys.KeyInfo;
import io.snapferry.ssh.keys.KeyPairs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a snapferry server and a stock OpenSSH sshd, both on 127.0.0.1, and every
 * way a connection can fail. Nothing here sends traffic beyond the loopback interface.
 */
class SshConnectorTest {
    @TempDir
    static Path tmp;
    static TwoBoxes boxes;
    static OpenSshd sshd;
    static KeyInfo stockKey;

    @BeforeAll
    static void start() throws Exception {
        boxes = new TwoBoxes(tmp.resolve("boxes"));
        stockKey = boxes.keysA.generate("tostock");
        sshd = OpenSshd.start(tmp.resolve("sshd"), List.of(stockKey.publicKey()));
    }

    @AfterAll
    static void stop() throws IOException {
        if (sshd != null) {
            sshd.close();
        }
        if (boxes != null) {
            boxes.close();
        }
    }

    private static SshConnection stock() throws IOException {
        return new SshConnection("stock", "127.0.0.1", sshd.port(), "root", "tostock", sshd.hostPublicKey(),
                Duration.ofSeconds(10), List.of("aes128-gcm@openssh.com"));
    }

    @Test
    void snapferryBoxAnswersWithItsHello() {
        ConnectionTest t = boxes.connector.test(boxes.connection());
        assertThat(t.outcome()).as(t.message()).isEqualTo(ConnectionTest.Outcome.OK);
        assertThat(t.remoteVersion()).contains("snapferry 0.1.0 on box box-b, protocol 4");
        assertThat(t.message()).contains("as peer boxa");
    }

    @Test
    void stockSshdAnswersWithItsVersion() throws IOException {
        ConnectionTest t = boxes.connector.test(stock());
        assertThat(t.outcome()).as(t.message()).isEqualTo(ConnectionTest.Outcome.OK);
        assertThat(t.remoteVersion().orElseThrow()).startsWith("SSH-2.0-OpenSSH_");
    }

    @Test
    void runsCommandsOnAStockHostWithEveryArgumentQuoted() throws IOException {
        try (SshSession s = boxes.connector.open(stock())) {
            assertThat(s.isSnapferry()).isFalse();
            ExecResult ok = s.run(Duration.ofSeconds(20), "echo", "ok");
            assertThat(ok).isEqualTo(new ExecResult(0, "ok\n", ""));
            String nasty = "it's \"quoted\" $HOME `id` $(id) ; rm -rf /nonexistent && * ? \\ \n| > < & '' end";
            ExecResult echoed = s.run(Duration.ofSeconds(20), "printf", "%s|%s", nasty, "");
            assertThat(echoed.stdout()).isEqualTo(nasty + "|");
            assertThat(s.run(Duration.ofSeconds(20), "sh", "-c", "echo err >&2; exit 3")).isEqualTo(new ExecResult(3, "", "err\n"));
            assertThat(s.run(Duration.ofSeconds(20), "ls", "-d", "--", "-rf").exitCode()).isNotZero();

            byte[] data = new byte[3 << 20];
            new Random(7).nextBytes(data);
            try (RemoteCommand cat = s.exec("cat")) {
                Thread writer = new Thread(() -> {
                    try (OutputStream in = cat.stdin()) {
                        in.write(data);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                writer.start();
                ByteArrayOutputStream back = new ByteArrayOutputStream();
                try (InputStream out = cat.stdout()) {
                    out.transferTo(back);
                }
                assertThat(cat.waitFor(Duration.ofSeconds(20))).isZero();
                assertThat(back.toByteArray()).isEqualTo(data);
                assertThat(cat.commandLine()).isEqualTo("'cat'");
            }
            assertThatThrownBy(() -> s.endpoint(new io.snapferry.ssh.endpoint.EndpointIdentity("a", "1")))
                    .isInstanceOf(IOException.class).hasMessageContaining("no snapferry endpoint");
        }
        assertThat(SshSession.quote("a'b")).isEqualTo("'a'\\''b'");
        assertThatThrownBy(() -> SshSession.quote("a\0b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void hostKeyMismatchIsRefusedWithBothFingerprints() throws IOException {
        SshConnection wrong = boxes.connection().withHostKey(sshd.hostPublicKey());
        ConnectionTest t = boxes.connector.test(wrong);
        assertThat(t.outcome()).isEqualTo(ConnectionTest.Outcome.HOST_KEY_MISMATCH);
        assertThat(t.message()).isEqualTo("host key mismatch for 127.0.0.1:" + boxes.server.port() + ": expected "
                + wrong.hostKeyFingerprint() + ", got " + boxes.server.hostKeyFingerprint()
                + "; if the remote box's key changed on purpose, update the connection with 'snapferry connection update b --host-key ...'");
        assertThatThrownBy(() -> boxes.connector.open(wrong)).isInstanceOf(SshTransportException.class)
                .satisfies(e -> assertThat(((SshTransportException) e).failure()).isEqualTo(SshFailure.HOST_KEY_MISMATCH));
        assertThatThrownBy(() -> boxes.connector.openEndpoint(wrong)).isInstanceOf(SshTransportException.class);
        SshConnection stockWrong = stock().withHostKey(boxes.server.hostPublicKey());
        assertThat(boxes.connector.test(stockWrong).outcome()).isEqualTo(ConnectionTest.Outcome.HOST_KEY_MISMATCH);
    }

    @Test
    void unknownKeyFailsAuthentication() {
        boxes.keysA.generate("unknown");
        SshConnection c = new SshConnection("b2", "127.0.0.1", boxes.server.port(), "snapferry", "unknown",
                boxes.server.hostPublicKey(), Duration.ofSeconds(10), List.of());
        ConnectionTest t = boxes.connector.test(c);
        assertThat(t.outcome()).as(t.message()).isEqualTo(ConnectionTest.Outcome.AUTH_FAILED);
        assertThat(t.message()).contains("did not accept key pair 'unknown'");
        ConnectionTest missing = boxes.connector.test(new SshConnection("b3", "127.0.0.1", boxes.server.port(), "snapferry",
                "nosuchkey", boxes.server.hostPublicKey(), Duration.ofSeconds(10), List.of()));
        assertThat(missing.outcome()).isEqualTo(ConnectionTest.Outcome.LOCAL_ERROR);
    }

    @Test
    void closedPortIsRefused() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        SshConnection c = new SshConnection("gone", "127.0.0.1", port, "snapferry", "tob", boxes.server.hostPublicKey(),
                Duration.ofSeconds(10), List.of());
        ConnectionTest t = boxes.connector.test(c);
        assertThat(t.outcome()).as(t.message()).isEqualTo(ConnectionTest.Outcome.REFUSED);
        assertThat(t.message()).contains("refused the connection");
        assertThatThrownBy(() -> boxes.connector.discoverHostKey("127.0.0.1", port, Duration.ofSeconds(5)))
                .isInstanceOf(SshTransportException.class)
                .satisfies(e -> assertThat(((SshTransportException) e).failure()).isEqualTo(SshFailure.REFUSED));
    }

    @Test
    void silentServerTimesOut() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            SshConnection c = new SshConnection("silent", "127.0.0.1", silent.getLocalPort(), "snapferry", "tob",
                    boxes.server.hostPublicKey(), Duration.ofMillis(1500), List.of());
            long t0 = System.nanoTime();
            ConnectionTest t = boxes.connector.test(c);
            long took = (System.nanoTime() - t0) / 1_000_000;
            assertThat(t.outcome()).as(t.message()).isEqualTo(ConnectionTest.Outcome.TIMEOUT);
            assertThat(t.message()).contains("did not complete the SSH handshake");
            assertThat(took).isBetween(1400L, 10_000L);
            assertThatThrownBy(() -> boxes.connector.discoverHostKey("127.0.0.1", silent.getLocalPort(), Duration.ofMillis(1000)))
                    .isInstanceOf(SshTransportException.class)
                    .satisfies(e -> assertThat(((SshTransportException) e).failure()).isEqualTo(SshFailure.TIMEOUT));
        }
    }

    @Test
    void aConnectionClosedMidHandshakeSaysTheLinkWentAwayNotThatTheProtocolIsWrong() throws Exception {
        try (ServerSocket cutter = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (java.net.Socket s = cutter.accept()) {
                    s.getOutputStream().write("SSH-2.0-OpenSSH_9.2p1\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    s.getInputStream().read(new byte[64]); // the client's banner arrives, then the link is cut
                    s.setSoLinger(true, 0); // a reset, as a dropped link or a killed box gives
                } catch (IOException e) {
                    // the client gave up first: its outcome is what the test checks
                }
            }, "cutter");
            t.start();
            SshConnection c = new SshConnection("cut", "127.0.0.1", cutter.getLocalPort(), "snapferry", "tob",
                    boxes.server.hostPublicKey(), Duration.ofSeconds(10), List.of());
            ConnectionTest r = boxes.connector.test(c);
            t.join(10_000);
            assertThat(r.outcome()).as(r.message()).isEqualTo(ConnectionTest.Outcome.CONNECTION_LOST);
            assertThat(r.message()).startsWith("the connection to 127.0.0.1:" + cutter.getLocalPort() + " was closed")
                    .contains("the link or the remote box went away");
        }
    }

    /** The outcome of testing a connection to a bare MINA server whose key check does {@code onKey} to the session. */
    private static ConnectionTest againstServerThat(java.util.function.Consumer<org.apache.sshd.server.session.ServerSession> onKey)
            throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        java.security.KeyPair host = g.generateKeyPair();
        org.apache.sshd.server.SshServer server = org.apache.sshd.server.SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(org.apache.sshd.common.keyprovider.KeyPairProvider.wrap(host));
        server.setPublickeyAuthenticator((user, key, session) -> {
            onKey.accept(session);
            return false;
        });
        server.start();
        try {
            return boxes.connector.test(new SshConnection("bare", "127.0.0.1", server.getPort(), "snapferry", "tob",
                    io.snapferry.ssh.keys.OpenSshKeys.publicKeyLine(host.getPublic(), ""), Duration.ofSeconds(10), List.of()));
        } finally {
            server.stop(true);
        }
    }

    @Test
    void aRemoteThatDisconnectsWithAReasonWhenOfferedTheKeyRefusedIt() throws Exception {
        ConnectionTest r = againstServerThat(session -> {
            try {
                session.disconnect(org.apache.sshd.common.SshConstants.SSH2_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
                        "Too many authentication failures");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(r.outcome()).as(r.message()).isEqualTo(ConnectionTest.Outcome.AUTH_FAILED);
    }

    @Test
    void aConnectionClosedDuringAuthenticationIsNotCalledARefusedKey() throws Exception {
        // The link goes away just as the client offers its key.
        ConnectionTest r = againstServerThat(session -> session.close(true));
        assertThat(r.outcome()).as(r.message()).isEqualTo(ConnectionTest.Outcome.CONNECTION_LOST);
        assertThat(r.message()).contains("was closed during authentication").doesNotContain("did not accept key pair");
    }

    @Test
    void unknownHostsAreUnreachable() {
        // classified from the resolver's exception: no name is looked up, so no traffic leaves the box
        SshTransportException e = SshConnector.classify(new UnknownHostException("nobox.invalid"), "nobox.invalid", 22, Duration.ofSeconds(1));
        assertThat(e.failure()).isEqualTo(SshFailure.UNREACHABLE);
        assertThat(e.getMessage()).isEqualTo("unknown host nobox.invalid: check the name");
        assertThat(SshConnector.classify(new java.io.IOException(new java.net.NoRouteToHostException("x")), "h", 22, Duration.ofSeconds(1)).failure())
                .isEqualTo(SshFailure.UNREACHABLE);
        assertThat(ConnectionTest.Outcome.of(SshFailure.UNREACHABLE)).isEqualTo(ConnectionTest.Outcome.UNREACHABLE);
        // a connect that never happened is not a lost connection
        SshTransportException down = SshConnector.classify(new java.net.SocketException("Network is unreachable"), "10.9.9.9", 22,
                Duration.ofSeconds(1));
        assertThat(down.failure()).isEqualTo(SshFailure.UNREACHABLE);
        assertThat(down.getMessage()).isEqualTo("no route to 10.9.9.9 (Network is unreachable): check the address and the network");
        assertThat(SshConnector.classify(new IOException(new java.io.EOFException("EOF")), "h", 22, Duration.ofSeconds(1)).failure())
                .isEqualTo(SshFailure.CONNECTION_LOST);
    }

    @Test
    void discoversHostKeysWithoutAuthenticating() throws IOException {
        HostKey b = boxes.connector.discoverHostKey("127.0.0.1", boxes.server.port(), Duration.ofSeconds(10));
        assertThat(b.fingerprint()).isEqualTo(boxes.server.hostKeyFingerprint());
        assertThat(b.publicKey()).isEqualTo(boxes.server.hostPublicKey());
        HostKey s = boxes.connector.discoverHostKey("127.0.0.1", sshd.port(), Duration.ofSeconds(10));
        assertThat(s.publicKey().split(" ")[1]).isEqualTo(sshd.hostPublicKey().split(" ")[1]);
    }

    @Test
    void connectionsAreValidated() {
        String key = boxes.server.hostPublicKey();
        assertThatThrownBy(() -> new SshConnection("b", "127.0.0.1", 0, "u", "tob", key, Duration.ofSeconds(1), List.of()))
                .hasMessageContaining("port");
        assertThatThrownBy(() -> new SshConnection("b", "-oProxyCommand=x", 22, "u", "tob", key, Duration.ofSeconds(1), List.of()))
                .hasMessageContaining("invalid host");
        assertThatThrownBy(() -> new SshConnection("b", "h", 22, "u", "tob", key, Duration.ofSeconds(1), List.of("rc4")))
                .hasMessageContaining("unknown or unsupported cipher");
        assertThatThrownBy(() -> new SshConnection("b", "h", 22, "u", "tob", "nonsense", Duration.ofSeconds(1), List.of()))
                .hasMessageContaining("not an OpenSSH public key line");
        assertThat(new SshConnection("b", "h", 22, "u", "tob", key, Duration.ofSeconds(1), List.of()).ciphers())
                .isEqualTo(SshConnection.DEFAULT_CIPHERS);
        assertThat(new KeyPairs(tmp.resolve("boxes/a-keys")).exists("tob")).isTrue();
    }
}
