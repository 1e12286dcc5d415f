package io.snapferry.retention;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;

/**
 * A retention rule was refused (a bad lifetime, keep-count list or grid). The message quotes the
 * input and says what is allowed; the code is {@link ErrorCode#INVALID_ARGUMENT}.
 */
public final class InvalidRetentionException extends DatasetException {
    private static final long serialVersionUID = 1L;

    public InvalidRetentionException(String message) {
        super(ErrorCode.INVALID_ARGUMENT, message);
    }
}
