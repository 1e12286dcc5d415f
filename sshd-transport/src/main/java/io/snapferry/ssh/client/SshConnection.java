package io.snapferry.ssh.client;

import io.snapferry.ssh.keys.KeyPairs;
import io.snapferry.ssh.keys.OpenSshKeys;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.apache.sshd.common.cipher.BuiltinCiphers;

/**
 * A configured connection to another box.
 *
 * @param name           the connection's name, {@code [a-z0-9][a-z0-9_-]{0,63}}
 * @param host           host name or address
 * @param port           1 to 65535
 * @param user           the remote user name
 * @param keyPair        the name of the local key pair (in {@link KeyPairs}) to authenticate with
 * @param hostKey        the pinned remote host key, OpenSSH one-line format; every connection checks it
 * @param connectTimeout how long connecting, key exchange and authentication may take together
 * @param ciphers        cipher names in order of preference (OpenSSH names, e.g.
 *                       {@code aes128-gcm@openssh.com}); empty: {@link #DEFAULT_CIPHERS}
 */
public record SshConnection(String name, String host, int port, String user, String keyPair, String hostKey,
                            Duration connectTimeout, List<String> ciphers) {
    /** AES-GCM first: the JDK's AES-GCM is hardware-accelerated; ChaCha20 in pure Java is slow. */
    public static final List<String> DEFAULT_CIPHERS = List.of("aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
            "aes128-ctr", "aes256-ctr");

    public SshConnection {
        KeyPairs.checkName(name, "connection");
        Objects.requireNonNull(host, "host");
        if (!host.matches("[A-Za-z0-9.:_%\\[\\]-]{1,253}")) {
            throw new IllegalArgumentException("invalid host '" + host.replaceAll("[^\\x20-\\x7e]", "?") + "': a host name or IP address");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not 1..65535");
        }
        Objects.requireNonNull(user, "user");
        if (!user.matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}")) {
            throw new IllegalArgumentException("invalid user name '" + user.replaceAll("[^\\x20-\\x7e]", "?") + "'");
        }
        KeyPairs.checkName(keyPair);
        OpenSshKeys.parsePublicKey(hostKey);
        hostKey = hostKey.strip();
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connect timeout must be positive");
        }
        ciphers = List.copyOf(ciphers.isEmpty() ? DEFAULT_CIPHERS : ciphers);
        for (String c : ciphers) {
            BuiltinCiphers b = BuiltinCiphers.fromFactoryName(c);
            if (b == null || !b.isSupported() || b == BuiltinCiphers.none) {
                throw new IllegalArgumentException("unknown or unsupported cipher '" + c + "'; use one of " + DEFAULT_CIPHERS
                        + " or chacha20-poly1305@openssh.com");
            }
        }
    }

    /** The pinned host key's fingerprint. */
    public String hostKeyFingerprint() {
        return OpenSshKeys.fingerprint(hostKey);
    }

    public SshConnection withHostKey(String newHostKey) {
        return new SshConnection(name, host, port, user, keyPair, newHostKey, connectTimeout, ciphers);
    }
}
