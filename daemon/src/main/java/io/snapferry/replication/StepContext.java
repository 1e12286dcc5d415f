package io.snapferry.replication;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.SendRequest;

/**
 * What a {@link StreamTransform} knows about the transfer it wraps.
 *
 * @param attempt 1 for the first try of this dataset, more on retries
 */
public record StepContext(String taskId, DatasetName source, DatasetName target, SendRequest request, int attempt) {
}
