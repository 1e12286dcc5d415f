package io.snapferry.daemon.lifecycle;

/** A service could not start; the message says which and why. */
public class ServiceFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ServiceFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
