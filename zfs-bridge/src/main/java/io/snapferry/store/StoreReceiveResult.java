package io.snapferry.store;

import io.snapferry.dataset.ReceiveResult;

/**
 * A receive's outcome with the store's own counts: how many chunk records of the stream were
 * stored anew and how many were already present (from an earlier, interrupted run of the same
 * receive, or shared with other data).
 */
public record StoreReceiveResult(ReceiveResult result, long chunksStored, long chunksAlreadyPresent) {
}
