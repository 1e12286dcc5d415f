package io.snapferry.replication;

import java.io.IOException;
import java.util.Objects;

/**
 * The connection to a remote box broke: reset, closed under the caller, or the box went away.
 * Thrown by remote endpoints in place of the transport's own exception (whose text speaks of
 * channels and sessions, not of what happened); the {@link Replicator} adds which snapshot was on
 * its way and how far it got. Always transient: the next attempt connects again.
 */
public final class LinkLostException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String peer;
    private final String detail;

    /** {@code peer} names the far side as the owner knows it (the connection's name). */
    public LinkLostException(String peer, Throwable cause) {
        this(peer, detail(cause), cause);
    }

    /** As above, when the transport said in words why the link broke ({@code reason}). */
    public LinkLostException(String peer, String reason, Throwable cause) {
        this(peer, reason, "connection to " + peer + " lost (" + reason + "); the next run connects again", cause);
    }

    LinkLostException(String peer, String detail, String message, Throwable cause) {
        super(message, cause);
        this.peer = Objects.requireNonNull(peer, "peer");
        this.detail = Objects.requireNonNull(detail, "detail");
    }

    /** The far side, as named by the connection. */
    public String peer() {
        return peer;
    }

    /** Why the link broke: the transport's reason when it gave one, else its own words, cut short. */
    public String detail() {
        return detail;
    }

    private static String detail(Throwable cause) {
        Throwable t = cause;
        while (t != null && t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        if (t == null) {
            return "no detail";
        }
        String m = t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName() : t.getMessage().strip();
        if (m.startsWith("Write attempt on closing session")) {
            return "the SSH session was closing";
        }
        // the SSH library prefixes the channel's internals: "write(ChannelOutputStream[...]) len=236 - channel already closed"
        int dash = m.lastIndexOf(" - ");
        if (dash >= 0 && m.indexOf('[') >= 0 && m.indexOf('[') < dash) {
            m = m.substring(dash + 3);
        }
        return m.length() > 160 ? m.substring(0, 157) + "..." : m;
    }
}
