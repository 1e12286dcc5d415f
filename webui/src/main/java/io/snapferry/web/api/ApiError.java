package io.snapferry.web.api;

/**
 * A refused request: HTTP status, a message that says what was wrong and what to do, a code,
 * and, for form input, the field it concerns.
 */
public final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String code;
    private final String field;

    public ApiError(int status, String code, String message, String field) {
        super(message);
        this.status = status;
        this.code = code;
        this.field = field;
    }

    public static ApiError badRequest(String field, String message) {
        return new ApiError(400, "INVALID_ARGUMENT", message, field);
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, "NOT_FOUND", message, null);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String field() {
        return field;
    }
}
