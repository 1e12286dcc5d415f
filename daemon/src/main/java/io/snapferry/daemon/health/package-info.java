/**
 * The box's own health: {@link SpaceMonitor} checks every pool's free space and health on a
 * schedule and notifies when free space crosses the configured threshold.
 */
package io.snapferry.daemon.health;
