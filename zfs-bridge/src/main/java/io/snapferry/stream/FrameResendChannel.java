package io.snapferry.stream;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.Optional;

/**
 * The back channel of a verifying receive to whoever feeds it: "send frame {@code seq} and
 * everything after it again" (go-back-N, docs/stream-format.md, "Re-sent frames").
 *
 * <p>A receive finds the channel on the stream it is handed: the stream implements this interface
 * ({@link #of}). Wrappers hide it, so whoever wraps a stream that has one passes it on with
 * {@link #attach}. A sender that keeps the original bytes of recent frames is
 * {@link FrameReplayInputStream}; a transport (the SSH endpoint protocol) implements the channel by
 * carrying the request to the sending side.
 *
 * <p>Contract: {@link #requestFrom} returns once the request is on its way (it does not wait for
 * the frame); the frames then arrive on the same stream, after the frames already in flight. It
 * may be called from another thread than the one reading the stream. It throws an
 * {@link IOException} when the frame cannot be sent again (no longer held, the link is gone): the
 * receive then fails and the whole stream has to be sent again.
 */
@FunctionalInterface
public interface FrameResendChannel {

    /** Asks for frame {@code seq} and every frame after it (and the trailer) to be sent again. */
    void requestFrom(long seq) throws IOException;

    /** The channel {@code in} offers, when it is one. */
    static Optional<FrameResendChannel> of(InputStream in) {
        return in instanceof FrameResendChannel c ? Optional.of(c) : Optional.empty();
    }

    /**
     * {@code in}, offering {@code channel} when present: reads, skips and {@code close} pass through to
     * {@code in}; without a channel, {@code in} itself.
     */
    static InputStream attach(InputStream in, Optional<FrameResendChannel> channel) {
        Objects.requireNonNull(in, "in");
        if (channel.isEmpty()) {
            return in;
        }
        return new WithChannel(in, channel.get());
    }

    /** A stream with a back channel attached. */
    final class WithChannel extends FilterInputStream implements FrameResendChannel {
        private final FrameResendChannel channel;

        private WithChannel(InputStream in, FrameResendChannel channel) {
            super(in);
            this.channel = channel;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in.read(b, off, len);
        }

        @Override
        public void requestFrom(long seq) throws IOException {
            channel.requestFrom(seq);
        }
    }
}
