package io.snapferry.web.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import io.snapferry.dataset.InMemoryDatasetProvider;
import io.snapferry.testing.Requirements;
import io.snapferry.web.TestBox;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenSSH client against a box's SSH server: a paired key authenticates but gets neither a
 * shell nor a command; an unknown key is refused. Also the CLI's key and host key commands
 * against ssh-keygen.
 */
class OpenSshAgainstTheBoxTest {
    @TempDir
    Path tmp;
    TestBox a;
    TestBox b;

    @BeforeEach
    void start() throws Exception {
        Requirements.require(Requirements.onPath("ssh") && Requirements.onPath("ssh-keygen"), "the OpenSSH client (ssh, ssh-keygen)");
        a = new TestBox(tmp.resolve("a"), Clock.systemUTC(), List.of(new InMemoryDatasetProvider(Clock.systemUTC(), "tank")));
        b = new TestBox(tmp.resolve("b"), Clock.systemUTC(), List.of(new InMemoryDatasetProvider(Clock.systemUTC(), "tank")));
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

    record Run(int exit, String out, String err) {
    }

    Run run(List<String> command, String stdin) throws Exception {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("HOME", tmp.toString());
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException ignored) {
            // it may exit before reading
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not finish within 60 s: " + command);
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    List<String> ssh(Path key, String... command) {
        List<String> c = new ArrayList<>(List.of("ssh", "-v", "-F", "/dev/null", "-i", key.toString(), "-p",
                Integer.toString(b.appliance().ssh().service().port()), "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=20", "-T",
                "snapferry@127.0.0.1"));
        c.addAll(List.of(command));
        return c;
    }

    void pair() {
        TestBox.Result t = b.cli("pair-token", "--receive-root", "tank/fromA");
        assertThat(t.exit()).as(t.err()).isZero();
        List<String> lines = t.out().strip().lines().toList();
        TestBox.Result p = a.cli("connection", "pair", "--name", "b", "--url", b.appliance().web().url(), "--token", lines.get(lines.size() - 1));
        assertThat(p.exit()).as(p.err()).isZero();
    }

    @Test
    void aPairedKeyGetsNoShellAndRunsNoCommand() throws Exception {
        pair();
        Path key = a.dataDir().keys().resolve("b.key");
        Path marker = tmp.resolve("marker");

        Run command = run(ssh(key, "touch", marker.toString()), "");
        assertThat(command.err()).contains("Authenticated to");
        assertThat(command.exit()).isNotZero();
        assertThat(marker).doesNotExist();

        Run shell = run(ssh(key), "touch " + marker + "\nexit 0\n");
        assertThat(shell.err()).contains("Authenticated to");
        assertThat(shell.exit()).isNotZero();
        assertThat(shell.out()).isEmpty();
        assertThat(marker).doesNotExist();

        Run sftp = run(ssh(key, "-s", "sftp"), "");
        assertThat(sftp.exit()).isNotZero();
    }

    @Test
    void anUnknownKeyIsRefused() throws Exception {
        pair();
        Path unknown = tmp.resolve("unknown");
        assertThat(run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", unknown.toString()), "").exit()).isZero();
        Path marker = tmp.resolve("marker");
        Run r = run(ssh(unknown, "touch", marker.toString()), "");
        assertThat(r.exit()).isEqualTo(255);
        assertThat(r.err()).contains("Permission denied (publickey)").doesNotContain("Authenticated to");
        assertThat(marker).doesNotExist();
    }

    @Test
    void hostKeyAndKeyPairCommandsAgreeWithSshKeygen() throws Exception {
        TestBox.Result hk = b.cli("host-key");
        assertThat(hk.exit()).as(hk.err()).isZero();
        List<String> lines = hk.out().strip().lines().toList();
        Path pub = tmp.resolve("host.pub");
        Files.writeString(pub, lines.get(0) + "\n");
        Run keygen = run(List.of("ssh-keygen", "-l", "-f", pub.toString()), "");
        assertThat(keygen.exit()).isZero();
        assertThat(lines.get(1)).isEqualTo(keygen.out().strip());

        // an encrypted OpenSSH key, imported with its passphrase; the private key is never shown
        Path own = tmp.resolve("own");
        assertThat(run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "s3cret pass", "-C", "mine", "-f", own.toString()), "").exit())
                .isZero();
        Path pass = tmp.resolve("pass");
        Files.writeString(pass, "not-it-7q\n");
        TestBox.Result wrong = a.cli("keypair", "import", "mine", "--file", own.toString(), "--passphrase-file", pass.toString());
        assertThat(wrong.exit()).isEqualTo(1);
        assertThat(wrong.err()).contains("passphrase for the imported key").doesNotContain("not-it-7q").doesNotContain(".import-");
        Files.writeString(pass, "s3cret pass\n");
        TestBox.Result ok = a.cli("keypair", "import", "mine", "--file", own.toString(), "--passphrase-file", pass.toString());
        assertThat(ok.exit()).as(ok.err()).isZero();
        String expected = run(List.of("ssh-keygen", "-l", "-f", own + ".pub"), "").out().split(" ")[1];
        assertThat(ok.out()).contains(expected);
        assertThat(a.cli("keypair", "show", "mine").out()).contains(expected);

        TestBox.Result rsa = a.cli("keypair", "create", "big", "--type", "rsa");
        assertThat(rsa.exit()).as(rsa.err()).isZero();
        assertThat(lastLine(rsa.out())).startsWith("ssh-rsa ");
        TestBox.Result list = a.cli("keypair", "list", "--json");
        assertThat(list.out()).contains("\"mine\"", "\"big\"").doesNotContain("PRIVATE");
        assertThat(a.cli("keypair", "delete", "big").exit()).isZero();
        assertThat(a.cli("keypair", "show", "big").exit()).isEqualTo(1);
    }

    @Test
    void aDiscoveredHostKeyIsSavedOnlyWhenConfirmed() throws Exception {
        assertThat(a.cli("keypair", "create", "k").exit()).isZero();
        String port = Integer.toString(b.appliance().ssh().service().port());
        TestBox.Result unconfirmed = a.cli("connection", "create", "--name", "b", "--host", "127.0.0.1", "--port", port,
                "--user", "snapferry", "--keypair", "k", "--discover-host-key");
        assertThat(unconfirmed.exit()).isEqualTo(1);
        assertThat(unconfirmed.out()).contains(b.appliance().ssh().hostKey().fingerprint());
        assertThat(unconfirmed.err()).contains("--yes");
        assertThat(a.appliance().ssh().connections()).isEmpty();

        TestBox.Result confirmed = a.cli("connection", "create", "--name", "b", "--host", "127.0.0.1", "--port", port,
                "--keypair", "k", "--discover-host-key", "--yes");
        assertThat(confirmed.exit()).as(confirmed.err()).isZero();
        // B does not know A's key: the test says so, distinctly
        TestBox.Result test = a.cli("connection", "test", "b");
        assertThat(test.exit()).isEqualTo(1);
        assertThat(test.out()).startsWith("auth failed:");
        // a key pair in use cannot be deleted
        TestBox.Result del = a.cli("keypair", "delete", "k");
        assertThat(del.exit()).isEqualTo(1);
        assertThat(del.err()).contains("used by connection");
        // nothing listens on port 1
        assertThat(a.cli("connection", "update", "b", "--port", "1").exit()).isZero();
        assertThat(a.cli("connection", "test", "b").out()).startsWith("refused:");
        assertThat(a.cli("connection", "delete", "b").exit()).isZero();
        assertThat(a.cli("connection", "list", "--json").out().strip()).isEqualTo("[ ]");
    }

    static String lastLine(String text) {
        List<String> lines = text.strip().lines().toList();
        return lines.get(lines.size() - 1);
    }
}
