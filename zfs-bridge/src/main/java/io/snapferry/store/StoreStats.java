package io.snapferry.store;

/**
 * Counters since the store was opened, for tests and metrics.
 *
 * @param contentBytesRead bytes of live files read to snapshot them (unchanged files are not read)
 * @param chunksStored     chunks written (to packs)
 * @param chunksDeduplicated chunks that were already stored when a snapshot or receive offered them
 * @param reflinkFreezes   volume snapshots that froze their image with a reflink clone
 * @param liveVolumeReads  volume snapshots that had to read the live image (no reflinks here)
 */
public record StoreStats(long contentBytesRead, long chunksStored, long chunksDeduplicated, long reflinkFreezes,
                         long liveVolumeReads) {
}
