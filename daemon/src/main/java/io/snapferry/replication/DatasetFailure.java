package io.snapferry.replication;

import io.snapferry.dataset.ErrorCode;

import java.util.Objects;
import java.util.Optional;

/**
 * Why one dataset was not (fully) replicated.
 *
 * @param category whether trying again later can help
 * @param code     the endpoint's error code when an endpoint operation failed
 */
public record DatasetFailure(Reason reason, ErrorCode.Category category, Optional<ErrorCode> code, String message) {

    public enum Reason {
        /** The plan was a conflict (diverged, no common snapshot, unsnapshotted data on the target). */
        PLAN_REFUSED,
        /** The target belongs to another source. */
        OWNED_BY_OTHER,
        /** The parent was not replicated, so the target has nowhere to put this dataset. */
        PARENT_NOT_REPLICATED,
        /** No byte moved for longer than the stall timeout. */
        STALLED,
        /** An endpoint operation failed; see {@code code}. */
        DATASET_ERROR,
        /** The bytes could not be carried (I/O error). */
        TRANSPORT_ERROR,
        /** The replication was interrupted (shutdown). */
        INTERRUPTED,
        /** A bug or an unexpected state. */
        INTERNAL
    }

    public DatasetFailure {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }

    public boolean retryable() {
        return category == ErrorCode.Category.TRANSIENT;
    }
}
