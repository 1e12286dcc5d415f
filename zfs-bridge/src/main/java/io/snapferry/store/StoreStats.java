package io.snapferry.store;

/**
 * Counters since the store was opened, for tests and metrics.
 *
 * @param contentBytesRead bytes of live files read to snapshot them (unchanged files are not read)
 * @param chunksStored     chunk files written
 * @param chunksDeduplicated chunks that were already stored when a snapshot or receive offered them
 */
public record StoreStats(long contentBytesRead, long chunksStored, long chunksDeduplicated) {
}
