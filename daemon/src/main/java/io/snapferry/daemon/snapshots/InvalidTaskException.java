package io.snapferry.daemon.snapshots;

/** A task definition was refused; {@code field} names the input at fault, the message says why and what to do. */
public final class InvalidTaskException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String field;

    public InvalidTaskException(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
