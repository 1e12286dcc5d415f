package io.snapferry.dataset;

import java.util.Objects;
import java.util.Optional;

/**
 * What to send. A full stream when {@code base} is empty; otherwise an incremental stream from
 * {@code base} to {@code snapshot} (both of the same dataset) that includes the intermediate
 * snapshots when {@code intermediates} is set ({@code zfs send -I}) and jumps straight to
 * {@code snapshot} otherwise ({@code zfs send -i}). A {@code resumeToken} (from the receiving
 * side's {@link DatasetProvider#resumeToken}) continues an interrupted transfer and overrides the
 * rest.
 */
public record SendRequest(SnapshotName snapshot, Optional<SnapshotName> base, boolean intermediates,
                          boolean properties, Optional<String> resumeToken) {
    public SendRequest {
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(resumeToken, "resumeToken");
        if (base.isPresent() && !base.get().dataset().equals(snapshot.dataset())) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT,
                    "incremental base " + base.get() + " is not a snapshot of " + snapshot.dataset());
        }
        if (base.isPresent() && base.get().equals(snapshot)) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "incremental base and target are both " + snapshot);
        }
        if (resumeToken.isPresent() && !resumeToken.get().matches("[A-Za-z0-9+/=_.:-]{1,4096}")) {
            throw new DatasetException(ErrorCode.INVALID_ARGUMENT, "resume token has characters outside its alphabet");
        }
    }

    public static SendRequest full(SnapshotName snapshot) {
        return new SendRequest(snapshot, Optional.empty(), false, false, Optional.empty());
    }

    public static SendRequest incremental(SnapshotName base, SnapshotName snapshot, boolean intermediates) {
        return new SendRequest(snapshot, Optional.of(base), intermediates, false, Optional.empty());
    }

    public SendRequest withResumeToken(String token) {
        return new SendRequest(snapshot, base, intermediates, properties, Optional.of(token));
    }

    public SendRequest withProperties(boolean send) {
        return new SendRequest(snapshot, base, intermediates, send, resumeToken);
    }
}
