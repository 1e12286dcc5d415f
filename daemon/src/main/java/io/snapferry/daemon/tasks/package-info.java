/**
 * Task runs: every run of a job (a snapshot task, a replication, a verification) is a task with an
 * id, start and end time, result and log lines, kept in a history that survives {@code kill -9}.
 */
package io.snapferry.daemon.tasks;
