package io.snapferry.store;

/**
 * What {@link EmbeddedStore#collectGarbage} did in one pool.
 *
 * @param chunksReferenced chunks some snapshot references (kept)
 * @param chunksInGrace    unreferenced chunks kept because they are younger than the grace period
 * @param chunksDeleted    unreferenced chunks removed
 * @param bytesFreed       their stored size
 */
public record GcReport(String pool, long chunksReferenced, long chunksInGrace, long chunksDeleted, long bytesFreed) {
}
