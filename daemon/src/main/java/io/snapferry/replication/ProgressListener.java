package io.snapferry.replication;

import io.snapferry.dataset.DatasetName;
import io.snapferry.dataset.SnapshotName;

import java.util.OptionalLong;

/**
 * Receives the progress of transfers. Called when each step starts (0 bytes), from the transfer
 * thread at most about once per MiB, and once at the end of each step; must be quick and must not
 * throw.
 */
@FunctionalInterface
public interface ProgressListener {

    /**
     * @param dataset       the source dataset
     * @param snapshot      the snapshot the step sends to (with intermediates: the newest)
     * @param bytes         bytes moved so far in this step
     * @param totalEstimate the step's expected size, when the source endpoint could estimate it
     *                      ({@link Endpoint#estimateSendSize}); the transfer does not wait for it, so
     *                      the first calls of a step may lack it; once present it stays the same, and
     *                      the step's last call has it whenever the source gave one
     */
    void progress(DatasetName dataset, SnapshotName snapshot, long bytes, OptionalLong totalEstimate);

    ProgressListener NONE = (d, s, b, t) -> { };
}
