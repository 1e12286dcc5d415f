/**
 * Which snapshots to destroy: one pure engine, {@link io.snapferry.retention.RetentionEngine#plan},
 * over {@link io.snapferry.retention.RetentionCandidate}s and a
 * {@link io.snapferry.retention.RetentionPolicy} (TrueNAS lifetimes, Proxmox Backup Server keep
 * counts, zrepl's grid and regex rules, combinable), giving a
 * {@link io.snapferry.retention.RetentionPlan} that explains every decision.
 *
 * <p>Pure domain code: no I/O, no clock; imports only {@code java.*} and the dataset SPI records.
 * Thread-safe. Bad rule texts are refused with {@link io.snapferry.retention.InvalidRetentionException}.
 * The exact semantics of each rule family are in {@code DESIGN.md} beside these sources.
 */
package io.snapferry.retention;
