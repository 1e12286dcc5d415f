package io.snapferry.dataset;

import java.util.Optional;

/**
 * A dataset as listed by a provider.
 *
 * @param guid       a 64-bit identity that survives renames (ZFS's {@code guid})
 * @param used       bytes used by the dataset and its descendants
 * @param available  bytes available to it
 * @param mountpoint where its files are, if it is a mounted file system
 */
public record Dataset(DatasetName name, Kind kind, long guid, long used, long available,
                      Optional<String> mountpoint, boolean readonly) {
    public enum Kind { FILESYSTEM, VOLUME }
}
