package io.snapferry.replication;

import io.snapferry.dataset.DatasetName;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The outcome of one run of a replication task: one result per dataset, parents first. */
public record ReplicationResult(String taskId, Instant started, Instant finished, List<DatasetResult> datasets) {
    public ReplicationResult {
        datasets = List.copyOf(datasets);
    }

    public boolean ok() {
        return datasets.stream().allMatch(DatasetResult::ok);
    }

    public Optional<DatasetResult> dataset(DatasetName source) {
        return datasets.stream().filter(d -> d.source().equals(source)).findFirst();
    }
}
