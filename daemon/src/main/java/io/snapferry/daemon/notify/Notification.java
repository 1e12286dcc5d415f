package io.snapferry.daemon.notify;

import java.time.Instant;
import java.util.Objects;

/**
 * One notification, as sent to every target.
 *
 * @param kind    what it concerns: a task kind ("snapshot", "replication", ...), "pool", or "test"
 * @param subject the task id or pool name
 * @param message one line for people
 * @param box     the name of the box that sends it
 */
public record Notification(NotificationEvent event, String kind, String subject, String message, Instant time, String box) {
    public Notification {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(box, "box");
    }

    /** A short title: "[box] FAILURE snapshot daily". */
    public String title() {
        return "[" + box + "] " + event + " " + kind + " " + subject;
    }
}
