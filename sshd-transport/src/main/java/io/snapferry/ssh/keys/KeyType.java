package io.snapferry.ssh.keys;

/** The kinds of key pair snapferry generates. */
public enum KeyType {
    /** Ed25519: the default; small, fast, what OpenSSH recommends. */
    ED25519("ssh-ed25519", 256),
    /** RSA with a 4096-bit modulus, for peers that cannot use Ed25519. */
    RSA_4096("ssh-rsa", 4096);

    private final String sshName;
    private final int bits;

    KeyType(String sshName, int bits) {
        this.sshName = sshName;
        this.bits = bits;
    }

    /** The key type as OpenSSH names it in a public key line. */
    public String sshName() {
        return sshName;
    }

    public int bits() {
        return bits;
    }
}
