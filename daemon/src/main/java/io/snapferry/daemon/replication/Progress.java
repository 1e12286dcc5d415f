package io.snapferry.daemon.replication;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

/**
 * Live progress of running replications, for the CLI and the UI: bytes moved, a smoothed rate,
 * the snapshot in flight, and an ETA when the size of the step is known.
 *
 * <p>A replication runs in steps (one send each, possibly carrying several snapshots); the
 * source's endpoint estimates each step's size before it starts (see
 * {@code Endpoint.estimateSendSize}). {@code bytes}, {@code totalBytes} and {@code etaSeconds}
 * describe the current step; {@code runBytes} counts the whole run. Without an estimate
 * {@code totalBytes} and {@code etaSeconds} are empty ("unknown"), never guessed; once a step has
 * moved more than its estimate, the ETA is unknown again rather than a wrong zero.
 *
 * <p>Thread-safe; time comes from the injected clock. Subscribers are told of every update, on
 * the thread that reports it (a transfer thread), and must not block.
 */
public final class Progress {
    /** How fast the smoothed rate follows changes: the time constant of its exponential average. */
    static final Duration SMOOTHING = Duration.ofSeconds(10);

    /**
     * One running replication's progress.
     *
     * @param runId          the run's id in the task history
     * @param bytes          bytes moved in the current step
     * @param bytesPerSecond the smoothed rate of the current step
     * @param totalBytes     the current step's estimated size, when its source could tell
     * @param etaSeconds     seconds until the current step ends, when its size is known
     * @param runBytes       bytes moved by the whole run so far, this step included
     * @param startedAt      when the run started
     */
    public record Snapshot(String task, String runId, String dataset, String snapshot, long bytes, double bytesPerSecond,
                           OptionalLong totalBytes, Optional<Long> etaSeconds, long runBytes, Instant startedAt, Instant updatedAt) {
    }

    /**
     * The smoothed rate of one step: an exponential moving average of the rate between samples,
     * weighted by the time between them ({@link #SMOOTHING} time constant), so a burst or a pause
     * moves it gradually. The first sample that moved bytes gives the average since the step
     * started; reports before it (the step's start at 0 bytes) only move the start. Pure.
     */
    record Rate(long bytes, Instant at, double bytesPerSecond, boolean sampled) {
        // bytes and at: the last sample
        static Rate start(Instant at) {
            return new Rate(0, at, 0, false);
        }

        Rate next(long nowBytes, Instant now) {
            double dt = Duration.between(at, now).toNanos() / 1e9;
            if (dt <= 0) {
                return this; // no time passed: nothing to learn a rate from
            }
            double instant = Math.max(0, nowBytes - bytes) / dt;
            if (!sampled && nowBytes == 0) {
                return new Rate(0, now, 0, false); // nothing moved yet: the step starts now
            }
            if (!sampled) {
                return new Rate(nowBytes, now, instant, true);
            }
            double alpha = 1 - Math.exp(-dt / (SMOOTHING.toNanos() / 1e9));
            return new Rate(nowBytes, now, bytesPerSecond + alpha * (instant - bytesPerSecond), true);
        }

        /**
         * Seconds to move the rest of {@code total} after {@code moved} bytes, rounded up; empty
         * without a total or a rate, and once past the total (the estimate was short).
         */
        Optional<Long> etaSeconds(long moved, OptionalLong total) {
            if (total.isEmpty() || !sampled || bytesPerSecond <= 0 || moved > total.getAsLong()) {
                return Optional.empty();
            }
            return Optional.of((long) Math.ceil((total.getAsLong() - moved) / bytesPerSecond));
        }
    }

    /** What is known of one running task. */
    private record State(String dataset, String snapshot, Rate rate, long bytes, long earlierSteps, Instant startedAt) {
    }

    private final Clock clock;
    private final Map<String, Snapshot> running = new ConcurrentHashMap<>();
    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final Set<Consumer<Snapshot>> subscribers = new CopyOnWriteArraySet<>();

    public Progress(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Tells {@code subscriber} of every update until the returned handle is closed. */
    public AutoCloseable subscribe(Consumer<Snapshot> subscriber) {
        Consumer<Snapshot> own = subscriber::accept; // a distinct object, so one consumer can subscribe twice
        subscribers.add(own);
        return () -> subscribers.remove(own);
    }

    /**
     * Records that {@code task}'s current step (sending {@code dataset} up to {@code snapshot}) has
     * moved {@code bytes}. A different dataset or snapshot, or fewer bytes than before (a retry),
     * starts a new step: its rate starts afresh and the previous step's bytes go to the run's total.
     */
    void update(String task, String runId, String dataset, String snapshot, long bytes, OptionalLong total, Instant startedAt) {
        Instant now = clock.instant();
        Snapshot s;
        synchronized (this) {
            State old = states.get(task);
            State st;
            if (old == null) {
                st = new State(dataset, snapshot, Rate.start(startedAt), 0, 0, startedAt);
            } else if (!old.dataset().equals(dataset) || !old.snapshot().equals(snapshot) || bytes < old.bytes()) {
                // the new step began when the old one last reported
                st = new State(dataset, snapshot, Rate.start(old.rate().at()), 0, old.earlierSteps() + old.bytes(), old.startedAt());
            } else {
                st = old;
            }
            Rate rate = st.rate().next(bytes, now);
            st = new State(dataset, snapshot, rate, bytes, st.earlierSteps(), st.startedAt());
            states.put(task, st);
            s = new Snapshot(task, runId, dataset, snapshot, bytes, rate.bytesPerSecond(), total, rate.etaSeconds(bytes, total),
                    st.earlierSteps() + bytes, st.startedAt(), now);
            running.put(task, s);
        }
        for (Consumer<Snapshot> c : subscribers) {
            c.accept(s);
        }
    }

    synchronized void finished(String task) {
        running.remove(task);
        states.remove(task);
    }

    public Optional<Snapshot> of(String task) {
        return Optional.ofNullable(running.get(task));
    }

    public Map<String, Snapshot> all() {
        return Map.copyOf(running);
    }
}
