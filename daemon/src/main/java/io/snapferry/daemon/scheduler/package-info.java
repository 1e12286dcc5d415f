/**
 * The scheduler service: runs jobs when they are due by an injected {@link java.time.Clock}, one
 * catch-up run after downtime (never a burst), never two runs of one job at once.
 */
package io.snapferry.daemon.scheduler;
