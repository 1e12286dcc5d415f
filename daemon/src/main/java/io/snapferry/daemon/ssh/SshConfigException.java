package io.snapferry.daemon.ssh;

import java.util.Optional;

/**
 * An SSH configuration request that was refused: bad input, an unknown name, a clash, a refused
 * pairing or a remote box that could not be reached. The message says what was wrong and what to
 * do; it never contains key material, passphrases or tokens.
 */
public class SshConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What kind of refusal: the web API maps it to an HTTP status. */
    public enum Kind {
        /** The input was wrong (400). */
        INVALID,
        /** No such key pair, connection or peer (404). */
        NOT_FOUND,
        /** The name is taken, or the thing is in use (409). */
        CONFLICT,
        /** A pairing token was wrong, used or expired (403). */
        REFUSED,
        /** The other box could not be reached or answered with an error (502). */
        REMOTE
    }

    private final Kind kind;
    private final String field;

    public SshConfigException(Kind kind, String field, String message) {
        this(kind, field, message, null);
    }

    public SshConfigException(Kind kind, String field, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.field = field;
    }

    public static SshConfigException invalid(String field, String message) {
        return new SshConfigException(Kind.INVALID, field, message);
    }

    public Kind kind() {
        return kind;
    }

    /** The request field the error concerns, when there is one. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }
}
