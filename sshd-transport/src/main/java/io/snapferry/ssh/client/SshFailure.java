package io.snapferry.ssh.client;

/** Why an SSH connection could not be made, as a value a caller can branch on. */
public enum SshFailure {
    /** Nothing answered in time: no TCP connection, or no SSH banner, key exchange or authentication. */
    TIMEOUT,
    /** The host refused the TCP connection: nothing listens on that port. */
    REFUSED,
    /** The host name does not resolve, or there is no route to it. */
    UNREACHABLE,
    /** The remote presented a host key other than the pinned one. */
    HOST_KEY_MISMATCH,
    /** The remote did not accept this box's key. */
    AUTH_FAILED,
    /** The connection was closed or reset before the handshake finished: the link or the remote went away. */
    CONNECTION_LOST,
    /** The remote answered, but not as an SSH server snapferry can talk to. */
    PROTOCOL_ERROR
}
