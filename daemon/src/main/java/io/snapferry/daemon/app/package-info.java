/**
 * Wiring: the one place that names concrete providers and transports and assembles the daemon's
 * services. Domain packages never import from here.
 */
package io.snapferry.daemon.app;
