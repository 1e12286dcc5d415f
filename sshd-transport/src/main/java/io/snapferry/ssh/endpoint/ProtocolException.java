package io.snapferry.ssh.endpoint;

import java.io.IOException;

/**
 * The other side broke the endpoint protocol: a malformed, oversized or unexpected frame or
 * message. The connection it arrived on cannot be trusted any more and is closed.
 */
public class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
