/**
 * The Debian package and the systemd unit, tested as an administrator meets them: the .deb built by
 * the {@code debian} module is installed on this machine, its service started the way the unit
 * starts it, and purged again.
 */
package io.snapferry.testbeds.pkg;
