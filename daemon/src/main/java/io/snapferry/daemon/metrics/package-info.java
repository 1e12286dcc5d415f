/**
 * The daemon's metrics: a small registry of labelled counters and gauges ({@link MetricRegistry})
 * rendered in the Prometheus text exposition format, and {@link Metrics}, the one object the rest
 * of the daemon reports into (snapshot tasks, replication, verification).
 */
package io.snapferry.daemon.metrics;
