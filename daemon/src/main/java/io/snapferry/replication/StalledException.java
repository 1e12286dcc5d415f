package io.snapferry.replication;

import java.io.IOException;

/** No byte moved for longer than the stall timeout; the transfer was aborted. */
final class StalledException extends IOException {
    private static final long serialVersionUID = 1L;
    private final boolean stopped;

    StalledException(String message, boolean stopped) {
        super(message);
        this.stopped = stopped;
    }

    /** True when the aborted transfer's thread ended, so retrying cannot overlap it. */
    boolean stopped() {
        return stopped;
    }
}
