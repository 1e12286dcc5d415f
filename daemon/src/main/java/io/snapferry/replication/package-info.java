/**
 * Replication: the executor ({@link io.snapferry.replication.Replicator}) that plans each dataset
 * with {@link io.snapferry.replication.plan.Planner} and moves snapshots between two
 * {@link io.snapferry.replication.Endpoint}s, with step holds, replication cursors, ownership of
 * the target, retries, progress and a stall watchdog.
 *
 * <p>The logic knows only the {@code Endpoint} interface: whether a side is local
 * ({@link io.snapferry.replication.LocalEndpoint}) or behind SSH is decided by whoever builds the
 * endpoints. Stream framing (checksums, compression, encryption) plugs in through
 * {@link io.snapferry.replication.StreamTransform}.
 */
package io.snapferry.replication;
