package io.snapferry.dataset;

import java.util.List;

/** What a receive created: the snapshots now present on the target, oldest first, and the bytes read. */
public record ReceiveResult(List<SnapshotName> received, long bytes) {
    public ReceiveResult {
        received = List.copyOf(received);
    }
}
