/**
 * The dataset SPI: what snapferry needs from a storage backend (ZFS, the embedded store, the
 * in-memory fake used by tests). Everything above this package knows only these interfaces and
 * records.
 *
 * <p>Names enter through {@link io.snapferry.dataset.DatasetName} and
 * {@link io.snapferry.dataset.SnapshotName}, which validate once; no unvalidated string reaches a
 * provider. Errors a caller can act on are {@link io.snapferry.dataset.DatasetException}s carrying an
 * {@link io.snapferry.dataset.ErrorCode}; callers decide what to do from the code's
 * {@link io.snapferry.dataset.ErrorCode.Category}, never from the message.
 */
package io.snapferry.dataset;
