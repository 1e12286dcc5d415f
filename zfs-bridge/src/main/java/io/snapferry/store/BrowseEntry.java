package io.snapferry.store;

import java.time.Instant;

/**
 * One entry of a directory in a snapshot, as {@link EmbeddedStore#browse} lists it.
 *
 * @param type       "file", "dir", "symlink" ({@code linkTarget} set) or "hardlink" (a further name of a
 *                   file; {@code linkTarget} is the snapshot path of the first name)
 * @param size       bytes of a file (of its first name for a hard link), length of a symlink's target
 * @param mode       permission bits (e.g. 0644), without the file-type bits
 */
public record BrowseEntry(String name, String type, long size, int mode, Instant mtime, String linkTarget) {
}
