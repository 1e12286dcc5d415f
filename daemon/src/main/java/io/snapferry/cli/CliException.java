package io.snapferry.cli;

/** A command failed; the message is the one-line reason printed to the user. Exit code 1. */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CliException(String message) {
        super(message);
    }
}
