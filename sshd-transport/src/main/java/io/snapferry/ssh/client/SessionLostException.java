package io.snapferry.ssh.client;

import java.io.IOException;
import java.util.Objects;

/**
 * The SSH session under a channel stream ended: the message names the connection and its address,
 * {@link #reason()} says why in words ("the remote acknowledged nothing sent to it for 30 s; is the
 * network between the boxes down?"). The transport's own exception is the cause.
 */
public final class SessionLostException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String reason;

    public SessionLostException(String connection, String where, String reason, Throwable cause) {
        super("the SSH connection to " + connection + " (" + where + ") was lost: " + reason, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Why the session ended, in words. */
    public String reason() {
        return reason;
    }
}
