/**
 * Running under systemd: the readiness protocol of {@code Type=notify} units
 * ({@link io.snapferry.daemon.systemd.SystemdNotify}). Outside systemd everything here does nothing.
 */
package io.snapferry.daemon.systemd;
