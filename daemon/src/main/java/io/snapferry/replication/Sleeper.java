package io.snapferry.replication;

import java.time.Duration;

/** Waits between retries; injected so tests record the waits instead of sleeping. */
@FunctionalInterface
public interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;

    /** Sleeps the calling thread. */
    Sleeper SYSTEM = d -> Thread.sleep(d.toMillis());
}
