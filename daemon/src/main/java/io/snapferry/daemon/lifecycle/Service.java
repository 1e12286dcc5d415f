package io.snapferry.daemon.lifecycle;

import java.util.Optional;

/**
 * A long-running part of the daemon. Transitions go NEW -> STARTING -> RUNNING -> STOPPING ->
 * TERMINATED; any of them may end in FAILED instead, with the cause kept.
 *
 * <p>{@link #start()} and {@link #stop()} are idempotent and safe to call from any thread; they
 * return when the transition has finished.
 */
public interface Service {
    enum State { NEW, STARTING, RUNNING, STOPPING, TERMINATED, FAILED }

    /** A stable name for status reports: "scheduler", "ssh-server", "web-server", ... */
    String name();

    State state();

    /** Why the service failed, when it did. */
    Optional<Throwable> failure();

    void start();

    void stop();
}
