package io.snapferry.stream;

import java.util.Objects;
import java.util.Optional;

/**
 * One frame as {@link FrameDecoder} saw it.
 *
 * <p>For {@link Status#OK} the plaintext is {@code buffer[0, length)}; the buffer belongs to the
 * decoder and is overwritten by the next {@link FrameDecoder#next()}, so copy what you keep. For
 * other statuses the buffer holds nothing of use.
 *
 * @param seq      the frame's sequence number
 * @param status   what became of it
 * @param problem  for {@link Status#BAD}, why it was rejected
 */
public record Frame(long seq, Status status, byte[] buffer, int length, Optional<StreamCorruptException> problem) {
    /** The sequence number of a trailer consumed as {@link Status#SKIPPED} (it arrived while a frame was awaited). */
    public static final long TRAILER = -1;

    /** What became of a frame. */
    public enum Status {
        /** Verified; its plaintext is in the buffer and it counts towards the trailer. */
        OK,
        /**
         * Its framing was intact but its contents failed a check (CRC-32C, AES-GCM, decompression,
         * digest). It was not accepted; the decoder waits for the same sequence number again.
         */
        BAD,
        /**
         * A frame after a BAD one (or the trailer, {@link #TRAILER}), consumed without being
         * checked while the decoder waits for the BAD frame to be sent again.
         */
        SKIPPED
    }

    public Frame {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(problem, "problem");
    }
}
