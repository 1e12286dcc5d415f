package io.snapferry.schedule;

import io.snapferry.dataset.DatasetException;
import io.snapferry.dataset.ErrorCode;

/**
 * A schedule was refused: a cron expression with a bad field, an unknown preset, or a bad window.
 * The message names the field and what it allows; the code is {@link ErrorCode#INVALID_ARGUMENT}.
 */
public final class InvalidScheduleException extends DatasetException {
    private static final long serialVersionUID = 1L;

    public InvalidScheduleException(String message) {
        super(ErrorCode.INVALID_ARGUMENT, message);
    }
}
