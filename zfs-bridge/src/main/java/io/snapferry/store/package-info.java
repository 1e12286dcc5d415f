/**
 * The embedded store: a {@link io.snapferry.dataset.DatasetProvider} for machines without ZFS
 * ({@link io.snapferry.store.EmbeddedStore}). Datasets are directory trees; snapshots are
 * content-addressed manifests whose file contents are cut by content-defined chunking,
 * deduplicated, compressed and stored once. Send streams carry manifests and only the chunks the
 * receiver's base lacks. The design (on-disk layout, stream format, crash and concurrency rules)
 * is in {@code DESIGN.md} beside these sources.
 */
package io.snapferry.store;
