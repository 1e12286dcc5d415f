/**
 * Configuration export and import: the box's configuration as one YAML (or JSON) document, made
 * of {@link ConfigSection}s (settings, snapshot tasks, notification targets; replication tasks and
 * SSH connections plug in the same way). Import validates every section before changing anything.
 * Secrets (private keys, passwords) are never exported.
 */
package io.snapferry.daemon.export;
