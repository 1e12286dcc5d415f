/**
 * The {@code snapferry} command line: {@code snapferry daemon} runs the appliance; every other
 * command is a client of the daemon's REST API, found through the data directory.
 */
package io.snapferry.cli;
