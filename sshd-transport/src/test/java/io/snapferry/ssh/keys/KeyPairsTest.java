package io.snapferry.ssh.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snapferry.ssh.Processes;
import io.snapferry.testing.Requirements;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyPairsTest {
    @TempDir
    Path tmp;

    private static void requireKeygen() {
        Requirements.require(Requirements.onPath("ssh-keygen"), "OpenSSH ssh-keygen");
    }

    /** The fingerprint field of {@code ssh-keygen -lf FILE}: "256 SHA256:xxx comment (ED25519)". */
    private String keygenFingerprint(Path file) throws Exception {
        Processes.Result r = Processes.run(List.of("ssh-keygen", "-lf", file.toString()), null, tmp);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        return r.stdout().split(" ")[1];
    }

    @Test
    void generatedEd25519KeyMatchesOpenSsh() throws Exception {
        requireKeygen();
        KeyPairs keys = new KeyPairs(tmp.resolve("keys"));
        KeyInfo info = keys.generate("boxa");
        assertThat(info.type()).isEqualTo("ssh-ed25519");
        assertThat(info.publicKey()).startsWith("ssh-ed25519 AAAA").endsWith(" snapferry-boxa");
        Path pub = tmp.resolve("keys/boxa.pub");
        Path priv = tmp.resolve("keys/boxa.key");
        assertThat(info.fingerprint()).isEqualTo(keygenFingerprint(pub)).startsWith("SHA256:").doesNotEndWith("=");
        // OpenSSH reads the private key file and derives the same public key from it
        Processes.Result derived = Processes.run(List.of("ssh-keygen", "-y", "-f", priv.toString()), null, tmp);
        assertThat(derived.exitCode()).as(derived.stderr()).isZero();
        assertThat(derived.stdout().strip().split(" ")[1]).isEqualTo(info.publicKey().split(" ")[1]);
        assertThat(Files.getPosixFilePermissions(priv)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(tmp.resolve("keys"))).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(KeyUtils.compareKeys(keys.keyPair("boxa").getPublic(), OpenSshKeys.parsePublicKey(info.publicKey()))).isTrue();
    }

    @Test
    void generatedRsaKeyMatchesOpenSsh() throws Exception {
        requireKeygen();
        KeyPairs keys = new KeyPairs(tmp.resolve("keys"));
        KeyInfo info = keys.generate("legacy", KeyType.RSA_4096, "old box");
        assertThat(info.type()).isEqualTo("ssh-rsa");
        assertThat(info.comment()).isEqualTo("old box");
        assertThat(info.fingerprint()).isEqualTo(keygenFingerprint(tmp.resolve("keys/legacy.pub")));
        Processes.Result r = Processes.run(List.of("ssh-keygen", "-lf", tmp.resolve("keys/legacy.key").toString()), null, tmp);
        assertThat(r.stdout()).startsWith("4096 " + info.fingerprint());
    }

    @Test
    void listShowDelete() {
        KeyPairs keys = new KeyPairs(tmp.resolve("keys"));
        keys.generate("b");
        keys.generate("a");
        assertThat(keys.list()).extracting(KeyInfo::name).containsExactly("a", "b");
        assertThat(keys.show("a").publicKey()).isEqualTo(keys.list().get(0).publicKey());
        assertThatThrownBy(() -> keys.generate("a")).isInstanceOf(KeyException.class)
                .hasMessageContaining("already exists")
                .satisfies(e -> assertThat(((KeyException) e).reason()).isEqualTo(KeyException.Reason.ALREADY_EXISTS));
        assertThat(keys.delete("a")).isTrue();
        assertThat(keys.delete("a")).isFalse();
        assertThat(keys.list()).extracting(KeyInfo::name).containsExactly("b");
        assertThatThrownBy(() -> keys.show("a")).isInstanceOf(KeyException.class)
                .satisfies(e -> assertThat(((KeyException) e).reason()).isEqualTo(KeyException.Reason.NOT_FOUND));
        assertThat(new KeyPairs(tmp.resolve("keys")).list()).extracting(KeyInfo::name).containsExactly("b");
    }

    @Test
    void namesAreValidated() {
        KeyPairs keys = new KeyPairs(tmp.resolve("keys"));
        for (String bad : new String[] {"", "-x", "_x", "A", "a/b", "../x", "a.b", "a b", "x".repeat(65)}) {
            assertThatThrownBy(() -> keys.generate(bad)).as(bad).isInstanceOf(KeyException.class)
                    .hasMessageContaining("invalid key name")
                    .satisfies(e -> assertThat(((KeyException) e).reason()).isEqualTo(KeyException.Reason.INVALID_NAME));
        }
        assertThat(keys.generate("a-b_9").name()).isEqualTo("a-b_9");
        assertThat(keys.generate("x".repeat(64)).name()).hasSize(64);
    }

    @Test
    void importsEncryptedAndPlainOpenSshAndPemKeys() throws Exception {
        requireKeygen();
        Path enc = tmp.resolve("id_enc");
        Path plain = tmp.resolve("id_plain");
        Path pem = tmp.resolve("id_pem");
        assertThat(Processes.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "s3cret pass", "-C", "me@host", "-f", enc.toString()), null, tmp).exitCode()).isZero();
        assertThat(Processes.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", plain.toString()), null, tmp).exitCode()).isZero();
        assertThat(Processes.run(List.of("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "", "-f", pem.toString()), null, tmp).exitCode()).isZero();
        KeyPairs keys = new KeyPairs(tmp.resolve("keys"));

        assertThatThrownBy(() -> keys.importKey("enc", enc, Optional.empty())).isInstanceOf(KeyException.class)
                .hasMessageContaining("encrypted")
                .satisfies(e -> assertThat(((KeyException) e).reason()).isEqualTo(KeyException.Reason.BAD_PASSPHRASE));
        assertThatThrownBy(() -> keys.importKey("enc", enc, Optional.of("wrong".toCharArray()))).isInstanceOf(KeyException.class)
                .satisfies(e -> assertThat(((KeyException) e).reason()).isEqualTo(KeyException.Reason.BAD_PASSPHRASE));
        assertThat(keys.list()).isEmpty();

        KeyInfo e = keys.importKey("enc", enc, Optional.of("s3cret pass".toCharArray()));
        assertThat(e.fingerprint()).isEqualTo(keygenFingerprint(Path.of(enc + ".pub")));
        assertThat(e.comment()).isEqualTo("me@host");
        KeyInfo p = keys.importKey("plain", plain, Optional.empty());
        assertThat(p.fingerprint()).isEqualTo(keygenFingerprint(Path.of(plain + ".pub")));
        KeyInfo r = keys.importKey("pem", pem, Optional.empty());
        assertThat(r.type()).isEqualTo("ssh-rsa");
        assertThat(r.fingerprint()).isEqualTo(keygenFingerprint(Path.of(pem + ".pub")));
        // the stored copies are unencrypted OpenSSH keys, 0600, readable by OpenSSH
        for (String name : List.of("enc", "plain", "pem")) {
            Path stored = tmp.resolve("keys/" + name + ".key");
            assertThat(Files.getPosixFilePermissions(stored)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(keygenFingerprint(stored)).isEqualTo(keys.show(name).fingerprint());
        }
        Path junk = tmp.resolve("junk");
        Files.writeString(junk, "not a key");
        assertThatThrownBy(() -> keys.importKey("junk", junk, Optional.empty())).isInstanceOf(KeyException.class)
                .satisfies(x -> assertThat(((KeyException) x).reason()).isEqualTo(KeyException.Reason.UNREADABLE));
    }

    @Test
    void nothingMeantForDisplayShowsPrivateMaterial() throws Exception {
        KeyPairs keys = new KeyPairs(tmp.resolve("keys"));
        KeyInfo info = keys.generate("secret");
        KeyPair pair = keys.keyPair("secret");
        String privateFile = Files.readString(tmp.resolve("keys/secret.key"), StandardCharsets.US_ASCII);
        String body = privateFile.replaceAll("-----[^-]+-----", "").replaceAll("\\s", "");
        byte[] raw = pair.getPrivate().getEncoded();
        String[] secrets = {body.substring(40, 80), Base64.getEncoder().encodeToString(raw).substring(8, 40), hex(raw).substring(32, 64)};
        List<String> shown = List.of(info.toString(), keys.toString(), keys.list().toString(), keys.show("secret").toString(),
                info.publicKey(), info.fingerprint());
        for (String s : shown) {
            for (String secret : secrets) {
                assertThat(s).doesNotContain(secret);
            }
        }
        KeyException e = new KeyException(KeyException.Reason.IO, "x");
        assertThat(e.toString()).doesNotContain(secrets[0]);
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    @Test
    void publicKeyLinesAreParsedStrictly() {
        KeyInfo info = new KeyPairs(tmp.resolve("keys")).generate("k");
        assertThat(OpenSshKeys.fingerprint(info.publicKey())).isEqualTo(info.fingerprint());
        for (String bad : new String[] {"", "ssh-ed25519", "ssh-ed25519 !!!", "command=\"x\" " + info.publicKey(), info.publicKey() + "\nssh-rsa AAAA"}) {
            assertThatThrownBy(() -> OpenSshKeys.parsePublicKey(bad)).as(bad).isInstanceOf(KeyException.class)
                    .hasMessageContaining("not an OpenSSH public key line");
        }
    }
}
