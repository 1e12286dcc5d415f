package io.snapferry.naming;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;

/**
 * A naming schema was refused. The message quotes the schema and says exactly what is missing or
 * wrong; the code is always {@link ErrorCode#INVALID_ARGUMENT} (a user error: repeating the request
 * unchanged fails again).
 */
public final class InvalidSchemaException extends DatasetException {
    private static final long serialVersionUID = 1L;

    public InvalidSchemaException(String message) {
        super(ErrorCode.INVALID_ARGUMENT, message);
    }
}
