package io.snapferry.replication;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.SnapshotName;
import io.snapferry.replication.plan.Plan;

import java.time.Duration;
import java.time.Instant;
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
 * @param newestOnTarget the creation time of the newest snapshot the target holds after the run, as
 *                 far as the run saw (its listing and what it received); absent when it saw none
 */
public record DatasetResult(DatasetName source, DatasetName target, Optional<Plan> plan, List<SnapshotName> received,
                            long bytes, Duration duration, int attempts, Optional<DatasetFailure> failure,
                            Optional<Instant> newestOnTarget) {
    public DatasetResult {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(newestOnTarget, "newestOnTarget");
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
