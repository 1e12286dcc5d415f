package io.snapferry.daemon.notify;

import java.time.Duration;

/** Waits between delivery attempts; tests inject one that records the pauses instead of waiting. */
@FunctionalInterface
public interface Sleeper {
    Sleeper REAL = d -> Thread.sleep(d.toMillis());

    void sleep(Duration d) throws InterruptedException;
}
