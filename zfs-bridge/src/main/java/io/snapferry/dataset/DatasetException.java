package io.snapferry.dataset;

/**
 * A failure of a dataset operation that a caller can act on, identified by its {@link ErrorCode}.
 * The message is for people and says what was wrong and, where it can, what to do.
 */
public class DatasetException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    public DatasetException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public DatasetException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    public static DatasetException notFound(Object what) {
        return new DatasetException(ErrorCode.NOT_FOUND, what + " does not exist");
    }

    public static DatasetException exists(Object what) {
        return new DatasetException(ErrorCode.ALREADY_EXISTS, what + " already exists");
    }
}
