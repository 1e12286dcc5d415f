package io.snapferry.ssh.endpoint;

import java.util.Objects;

/**
 * Who replicates into a target dataset: the source box and its replication task. A target has one
 * owner; the replication logic refuses another source until an operator re-initialises the target.
 *
 * @param boxId  the source box's identity (printable ASCII without spaces, 1 to 128 characters)
 * @param taskId the replication task on that box (printable ASCII without spaces, 1 to 128 characters)
 */
public record TargetOwner(String boxId, String taskId) {
    public TargetOwner {
        Objects.requireNonNull(boxId, "boxId");
        Objects.requireNonNull(taskId, "taskId");
        if (!boxId.matches("[\\x21-\\x7e]{1,128}")) {
            throw new IllegalArgumentException("an owner's box id must be 1 to 128 printable ASCII characters without spaces");
        }
        if (!taskId.matches("[\\x21-\\x7e]{1,128}")) {
            throw new IllegalArgumentException("an owner's task id must be 1 to 128 printable ASCII characters without spaces");
        }
    }

    @Override
    public String toString() {
        return boxId + "/" + taskId;
    }
}
