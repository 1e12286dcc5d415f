package io.snapferry.replication.plan;

import java.util.Objects;
import java.util.Optional;

/**
 * One send/receive: a full stream of {@code to} when {@code from} is empty, otherwise an
 * incremental stream from {@code from} (a snapshot or a bookmark the target already has) to
 * {@code to}. With {@code intermediates} the stream carries every source snapshot between the two
 * ({@code zfs send -I}); without, it jumps straight to {@code to} ({@code zfs send -i}).
 */
public record Step(Optional<SnapshotRef> from, SnapshotRef to, boolean intermediates) {
    public Step {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (to.isBookmark()) {
            throw new IllegalArgumentException("a bookmark cannot be sent: " + to);
        }
        if (intermediates && (from.isEmpty() || from.get().isBookmark())) {
            throw new IllegalArgumentException("intermediates need a snapshot as incremental base, not " + from);
        }
    }

    public static Step full(SnapshotRef to) {
        return new Step(Optional.empty(), to, false);
    }

    public static Step incremental(SnapshotRef from, SnapshotRef to, boolean intermediates) {
        return new Step(Optional.of(from), to, intermediates);
    }

    public boolean isFull() {
        return from.isEmpty();
    }

    @Override
    public String toString() {
        return from.map(f -> (intermediates ? "-I " : "-i ") + f + " " + to).orElse("full " + to);
    }
}
