/**
 * Replication tasks as the daemon runs them: configuration, validation, choosing the endpoints
 * for the transport and direction, running the {@link io.snapferry.replication.Replicator},
 * destination retention, progress and history. The replication logic itself lives in
 * {@code io.snapferry.replication}.
 */
package io.snapferry.daemon.replication;
