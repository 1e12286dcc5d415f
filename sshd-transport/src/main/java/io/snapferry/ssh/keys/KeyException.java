package io.snapferry.ssh.keys;

/**
 * A key operation that failed for a reason the caller can act on. The message says what was wrong
 * and never contains key material.
 */
public class KeyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why the operation failed. */
    public enum Reason {
        /** The key name broke the naming rule. */
        INVALID_NAME,
        /** No key pair of that name. */
        NOT_FOUND,
        /** A key pair of that name exists already. */
        ALREADY_EXISTS,
        /** The key file is encrypted and no passphrase, or a wrong one, was given. */
        BAD_PASSPHRASE,
        /** The file is not a private key snapferry can read, or a public key line is malformed. */
        UNREADABLE,
        /** Reading or writing the key directory failed. */
        IO
    }

    private final Reason reason;

    public KeyException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public KeyException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
