/**
 * Periodic snapshot tasks: their configuration, validation, the run (hooks, naming, atomic
 * recursive snapshot, allow-empty, retention) and their place in the scheduler.
 */
package io.snapferry.daemon.snapshots;
