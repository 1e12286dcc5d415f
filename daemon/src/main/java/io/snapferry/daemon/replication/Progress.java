package io.snapferry.daemon.replication;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Live progress of running replications, for the CLI and the UI: bytes moved, rate, the
 * snapshot in flight, and an ETA when the size is known. Thread-safe; listeners are told of
 * every update and must not block.
 */
public final class Progress {
    public record Snapshot(String task, String dataset, String snapshot, long bytes, double bytesPerSecond,
                           OptionalLong totalBytes, Optional<Long> etaSeconds, Instant startedAt, Instant updatedAt) {
    }

    private final Map<String, Snapshot> running = new ConcurrentHashMap<>();
    private volatile Consumer<Snapshot> listener = s -> { };

    public void listen(Consumer<Snapshot> l) {
        this.listener = l;
    }

    void update(String task, String dataset, String snapshot, long bytes, OptionalLong total, Instant startedAt, Instant now) {
        double secs = Math.max(1e-3, (now.toEpochMilli() - startedAt.toEpochMilli()) / 1000.0);
        double rate = bytes / secs;
        Optional<Long> eta = total.isPresent() && rate > 0
                ? Optional.of((long) Math.max(0, (total.getAsLong() - bytes) / rate)) : Optional.empty();
        Snapshot s = new Snapshot(task, dataset, snapshot, bytes, rate, total, eta, startedAt, now);
        running.put(task, s);
        listener.accept(s);
    }

    void finished(String task) {
        running.remove(task);
    }

    public Optional<Snapshot> of(String task) {
        return Optional.ofNullable(running.get(task));
    }

    public Map<String, Snapshot> all() {
        return Map.copyOf(running);
    }
}
