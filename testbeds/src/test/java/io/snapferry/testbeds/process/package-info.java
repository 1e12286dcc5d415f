/** The daemon as a separate process, as systemd runs it: real schedules, kill -9 and restart. */
package io.snapferry.testbeds.process;
