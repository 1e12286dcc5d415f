package io.snapferry.ssh.client;

import java.io.IOException;

/** An SSH connection failed; {@link #failure()} says why, the message says what to do. */
public class SshTransportException extends IOException {
    private static final long serialVersionUID = 1L;
    private final SshFailure failure;

    public SshTransportException(SshFailure failure, String message, Throwable cause) {
        super(message, cause);
        this.failure = failure;
    }

    public SshFailure failure() {
        return failure;
    }
}
