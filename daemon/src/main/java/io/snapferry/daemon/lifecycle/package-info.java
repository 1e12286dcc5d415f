/**
 * One lifecycle for every long-running part of the daemon (scheduler, replication workers, SSH
 * server, web server, verifier, notifier): NEW, STARTING, RUNNING, STOPPING, TERMINATED, or FAILED,
 * in the manner of Guava's {@code Service}.
 */
package io.snapferry.daemon.lifecycle;
