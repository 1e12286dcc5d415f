/** Structured JSON log lines (time, level, component, task id, message) for journald. */
package io.snapferry.daemon.log;
