package io.snapferry.ssh.client;

/**
 * A remote host key as discovered, for a person to confirm before it is pinned.
 *
 * @param publicKey   OpenSSH one-line format
 * @param fingerprint {@code SHA256:...}, as {@code ssh-keygen -l} prints it
 */
public record HostKey(String publicKey, String fingerprint) {
}
