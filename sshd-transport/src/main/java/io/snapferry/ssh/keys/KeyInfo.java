package io.snapferry.ssh.keys;

import java.util.Objects;

/**
 * The public, displayable facts of a stored key pair. Holds no private material.
 *
 * @param name        the key pair's name in its {@link KeyPairs} directory
 * @param type        the OpenSSH key type ({@code ssh-ed25519}, {@code ssh-rsa}, ...)
 * @param publicKey   the public key in OpenSSH's one-line format, with the comment
 * @param fingerprint as {@code ssh-keygen -l} prints it: {@code SHA256:} and unpadded base64
 * @param comment     the comment (may be empty)
 */
public record KeyInfo(String name, String type, String publicKey, String fingerprint, String comment) {
    public KeyInfo {
        Objects.requireNonNull(name);
        Objects.requireNonNull(type);
        Objects.requireNonNull(publicKey);
        Objects.requireNonNull(fingerprint);
        Objects.requireNonNull(comment);
    }
}
