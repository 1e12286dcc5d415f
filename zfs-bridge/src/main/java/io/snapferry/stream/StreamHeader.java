package io.snapferry.stream;

import io.snapferry.dataset.DatasetName;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a stream carries: the payload kind, the source dataset, the snapshots it goes from and to,
 * the box that sent it and a random stream id. The framing parameters (compression, encryption,
 * frame size) are not here; they come from {@link StreamOptions} on the writing side and are
 * reported by {@link StreamReader#framing()} on the reading side.
 *
 * @param payloadKind  what the payload is: the sending provider's kind, e.g. "zfs", "embedded",
 *                     "memory"; 1 to 32 of {@code [a-z0-9-]}
 * @param dataset      the source dataset
 * @param from         the incremental base; empty for a full stream
 * @param to           the snapshot the stream brings the target to
 * @param sourceBoxId  the sending box's id: 1 to 128 printable ASCII characters
 * @param streamId     16 random bytes naming this transfer (frames are bound to it)
 */
public record StreamHeader(String payloadKind, DatasetName dataset, Optional<SnapshotIdentity> from,
                           SnapshotIdentity to, String sourceBoxId, StreamId streamId) {
    static final Pattern KIND = Pattern.compile("[a-z0-9-]{1,32}");
    static final Pattern BOX = Pattern.compile("[\\x21-\\x7e]{1,128}");

    public StreamHeader {
        Objects.requireNonNull(payloadKind, "payloadKind");
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(sourceBoxId, "sourceBoxId");
        Objects.requireNonNull(streamId, "streamId");
        if (!KIND.matcher(payloadKind).matches()) {
            throw new IllegalArgumentException("invalid payload kind: use 1 to 32 of a-z, 0-9 and '-'");
        }
        if (!BOX.matcher(sourceBoxId).matches()) {
            throw new IllegalArgumentException("invalid source box id: use 1 to 128 printable ASCII characters without spaces");
        }
        if (from.isPresent() && from.get().equals(to)) {
            throw new IllegalArgumentException("from and to are the same snapshot " + to);
        }
    }

    /** A header with a fresh random stream id. */
    public static StreamHeader create(String payloadKind, DatasetName dataset, Optional<SnapshotIdentity> from,
                                      SnapshotIdentity to, String sourceBoxId) {
        return new StreamHeader(payloadKind, dataset, from, to, sourceBoxId, StreamId.random());
    }

    /** A 128-bit stream id. */
    public record StreamId(long high, long low) {
        private static final SecureRandom RANDOM = new SecureRandom();

        public static StreamId random() {
            return new StreamId(RANDOM.nextLong(), RANDOM.nextLong());
        }

        /** 32 lower-case hex digits. */
        @Override
        public String toString() {
            return HexFormat.of().toHexDigits(high) + HexFormat.of().toHexDigits(low);
        }
    }
}
