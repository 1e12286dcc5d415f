package io.snapferry.replication;

import java.util.Objects;

/**
 * Who replicates into a target dataset: the source box and the task. A target is owned by one
 * source; another is refused until an operator re-initialises the target.
 */
public record Ownership(String boxId, String taskId) {
    public Ownership {
        Objects.requireNonNull(boxId, "boxId");
        Objects.requireNonNull(taskId, "taskId");
        if (boxId.isBlank() || taskId.isBlank()) {
            throw new IllegalArgumentException("an owner needs a box id and a task id");
        }
    }

    @Override
    public String toString() {
        return boxId + "/" + taskId;
    }
}
