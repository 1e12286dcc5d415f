package io.snapferry.daemon.lifecycle;

import java.util.Optional;

/**
 * The state machine of {@link Service}; subclasses implement {@link #doStart()} and
 * {@link #doStop()}. An exception from either moves the service to FAILED and is rethrown from
 * {@code start()}.
 */
public abstract class AbstractService implements Service {
    private final String name;
    private State state = State.NEW;
    private Throwable failure;

    protected AbstractService(String name) {
        this.name = name;
    }

    protected abstract void doStart() throws Exception;

    protected abstract void doStop() throws Exception;

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final synchronized State state() {
        return state;
    }

    @Override
    public final synchronized Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Marks a running service failed from its own worker thread (a crashed loop, say). */
    protected final synchronized void failed(Throwable cause) {
        failure = cause;
        state = State.FAILED;
    }

    @Override
    public final synchronized void start() {
        if (state != State.NEW) {
            return;
        }
        state = State.STARTING;
        try {
            doStart();
            state = State.RUNNING;
        } catch (Exception | Error e) {
            failed(e);
            throw new ServiceFailedException(name + " failed to start: " + e.getMessage(), e);
        }
    }

    @Override
    public final synchronized void stop() {
        if (state == State.NEW) {
            state = State.TERMINATED;
            return;
        }
        if (state != State.RUNNING) {
            return;
        }
        state = State.STOPPING;
        try {
            doStop();
            state = State.TERMINATED;
        } catch (Exception | Error e) {
            failed(e);
        }
    }
}
