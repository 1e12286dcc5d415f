package io.snapferry.daemon.notify;

/** What a notification is about; each target chooses the events it receives. */
public enum NotificationEvent {
    /** A task failed (sent on the first failure after a success, not on every failed retry). */
    FAILURE,
    /** A task that had failed succeeded again, or a pool's free space is back above the threshold. */
    RECOVERY,
    /** Sent on request, to check a target's configuration. */
    TEST,
    /** A pool's free space fell below the threshold. */
    LOW_SPACE
}
