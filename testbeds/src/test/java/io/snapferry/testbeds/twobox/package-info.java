/**
 * Two-box scenarios: whole appliances in one JVM, each with its own data directory and its own
 * file-backed zfs-fuse pool, paired over SSH on loopback and driven through the CLI as an owner
 * would drive them. {@link io.snapferry.testbeds.twobox.Box} is one appliance;
 * {@link io.snapferry.testbeds.twobox.Zfs} reads the truth from ZFS itself.
 */
package io.snapferry.testbeds.twobox;
