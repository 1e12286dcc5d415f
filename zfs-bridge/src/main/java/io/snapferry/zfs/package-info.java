/**
 * The ZFS provider of the dataset SPI.
 *
 * <p>{@link io.snapferry.zfs.ZfsCommandProvider} drives the {@code zfs} and {@code zpool}
 * commands (argument arrays, never a shell) and works on every ZFS, zfs-fuse included; it probes
 * once, when constructed, what the installed commands support ({@link io.snapferry.zfs.ZfsFeatures})
 * and falls back to equivalent commands where a feature is missing. {@link io.snapferry.zfs.LibZfsCore}
 * binds {@code libzfs_core} through JNR-FFI; {@link io.snapferry.zfs.ZfsProviders#open} uses it only
 * where {@code /dev/zfs} exists and the library loads. {@link io.snapferry.zfs.ZfsErrors} turns the
 * commands' error messages into {@link io.snapferry.dataset.ErrorCode}s. README.md beside this file
 * records what zfs-fuse supports and lacks.
 */
package io.snapferry.zfs;
