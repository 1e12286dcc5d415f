package io.snapferry.retention;

import java.util.Objects;

/** What the engine decided for one snapshot, and why, in words for the task history and the UI. */
public record Decision(RetentionCandidate snapshot, Action action, String reason) {
    /** Keep or destroy. */
    public enum Action { KEEP, DESTROY }

    public Decision {
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(reason, "reason");
    }

    public boolean destroy() {
        return action == Action.DESTROY;
    }
}
