package io.snapferry.daemon.notify;

/** A notification target's configuration is wrong; {@link #field()} names the field at fault. */
public final class InvalidTargetException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String field;

    public InvalidTargetException(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
