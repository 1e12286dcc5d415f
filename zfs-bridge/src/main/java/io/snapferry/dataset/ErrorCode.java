package io.snapferry.dataset;

/**
 * What went wrong, as a value a caller can branch on. Each code has a category that tells a
 * caller whether retrying can help.
 */
public enum ErrorCode {
    /** A name broke the naming rules. */
    INVALID_NAME(Category.USER_ERROR),
    /** An argument other than a name was wrong (an incremental base newer than the target, say). */
    INVALID_ARGUMENT(Category.USER_ERROR),
    /** The dataset, snapshot or pool does not exist. */
    NOT_FOUND(Category.NOT_FOUND),
    /** The dataset or snapshot already exists. */
    ALREADY_EXISTS(Category.USER_ERROR),
    /** In use: mounted busy, has dependent clones, has holds, or another operation holds a lock. */
    BUSY(Category.TRANSIENT),
    /** The pool has no room left. */
    NO_SPACE(Category.RESOURCE),
    /** The operating system refused the operation. */
    PERMISSION(Category.PERMANENT),
    /** The provider cannot do this on this pool (resume tokens on zfs-fuse, say). */
    UNSUPPORTED(Category.PERMANENT),
    /** A send stream was malformed, truncated or failed its checksum. */
    CORRUPT_STREAM(Category.TRANSIENT),
    /** The target changed since the base snapshot and receive without rollback was asked. */
    TARGET_MODIFIED(Category.USER_ERROR),
    /** The pool or store is quarantined after verification found damage. */
    QUARANTINED(Category.PERMANENT),
    /** Anything else; the message carries the backend's words. */
    INTERNAL(Category.PERMANENT);

    /** How a caller should react. */
    public enum Category {
        /** The request was wrong; repeating it unchanged fails again. */
        USER_ERROR,
        /** The object is not there. */
        NOT_FOUND,
        /** May succeed if retried later. */
        TRANSIENT,
        /** Out of space or a similar resource; an operator must act. */
        RESOURCE,
        /** Will not succeed without an operator. */
        PERMANENT
    }

    private final Category category;

    ErrorCode(Category category) {
        this.category = category;
    }

    public Category category() {
        return category;
    }

    public boolean retryable() {
        return category == Category.TRANSIENT;
    }
}
