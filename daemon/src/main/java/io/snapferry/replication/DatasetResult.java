package io.snapferry.replication;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.replication.plan.Plan;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What happened to one dataset.
 *
 * @param plan     the last plan made (absent when the dataset failed before planning)
 * @param received the snapshots that arrived on the target, oldest first (intermediates included)
 * @param bytes    bytes carried, over all attempts
 * @param attempts how many times the dataset was tried (0 when skipped before planning)
 */
public record DatasetResult(DatasetName source, DatasetName target, Optional<Plan> plan, List<SnapshotName> received,
                            long bytes, Duration duration, int attempts, Optional<DatasetFailure> failure) {
    public DatasetResult {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(plan, "plan");
        received = List.copyOf(received);
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(failure, "failure");
    }

    public boolean ok() {
        return failure.isEmpty();
    }
}
