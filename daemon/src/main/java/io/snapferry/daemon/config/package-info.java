/** The daemon's data directory and its configuration files, written atomically. */
package io.snapferry.daemon.config;
