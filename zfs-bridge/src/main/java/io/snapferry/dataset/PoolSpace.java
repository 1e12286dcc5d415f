package io.snapferry.dataset;

/** Space of one pool, in bytes. {@code health} is the provider's word ("ONLINE", "QUARANTINED", ...). */
public record PoolSpace(String pool, long size, long allocated, long free, String health) {
}
