package io.snapferry.stream;

/**
 * What a {@link StreamReader} or {@link FrameDecoder} accepts from the wire.
 *
 * @param maxFrameSize       the largest frame plaintext accepted (up to {@link StreamOptions#MAX_FRAME_SIZE});
 *                           a header announcing more is refused with OVERSIZED before anything is allocated
 * @param maxPayloadBytes    the largest total plaintext accepted; more is OVERSIZED
 * @param requireEndOfInput  when true the reader reads once past the end marker and fails with
 *                           GARBAGE_AFTER_END unless the input ends there. Set it false when the
 *                           stream is embedded in a longer conversation: the reader then consumes
 *                           exactly the stream's bytes and never reads ahead.
 */
public record StreamLimits(int maxFrameSize, long maxPayloadBytes, boolean requireEndOfInput) {
    public StreamLimits {
        if (maxFrameSize < StreamOptions.MIN_FRAME_SIZE || maxFrameSize > StreamOptions.MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("maxFrameSize " + maxFrameSize + " is outside "
                    + StreamOptions.MIN_FRAME_SIZE + ".." + StreamOptions.MAX_FRAME_SIZE);
        }
        if (maxPayloadBytes < 0) {
            throw new IllegalArgumentException("maxPayloadBytes is negative");
        }
    }

    /** Frames up to the 8 MiB cap, any total size, and the input must end with the stream. */
    public static StreamLimits defaults() {
        return new StreamLimits(StreamOptions.MAX_FRAME_SIZE, Long.MAX_VALUE, true);
    }

    public StreamLimits withMaxFrameSize(int bytes) {
        return new StreamLimits(bytes, maxPayloadBytes, requireEndOfInput);
    }

    public StreamLimits withMaxPayloadBytes(long bytes) {
        return new StreamLimits(maxFrameSize, bytes, requireEndOfInput);
    }

    public StreamLimits withRequireEndOfInput(boolean require) {
        return new StreamLimits(maxFrameSize, maxPayloadBytes, require);
    }
}
