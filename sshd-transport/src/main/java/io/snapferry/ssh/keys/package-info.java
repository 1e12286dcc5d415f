/**
 * SSH key pairs kept in a directory: generating (Ed25519 by default, RSA-4096), importing OpenSSH
 * and PEM private keys, showing public keys in OpenSSH's one-line format and fingerprints exactly
 * as {@code ssh-keygen -l} prints them.
 *
 * <p>Private key material never leaves {@link io.snapferry.ssh.keys.KeyPairs} through a method meant
 * for display ({@link io.snapferry.ssh.keys.KeyInfo} holds only public data) and is never logged.
 * Private key files are created with POSIX mode 0600 from the first byte.
 */
package io.snapferry.ssh.keys;
