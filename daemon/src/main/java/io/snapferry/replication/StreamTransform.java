package io.snapferry.replication;

import java.io.IOException;
import java.io.InputStream;

/**
 * The hook where the stream format (checksummed frames, compression, encryption) plugs into a
 * transfer: {@code source.send -> wrapSend -> (wire) -> wrapReceive -> target.receive}.
 * For a local transfer both ends run in this process; a remote endpoint applies its side's half
 * itself.
 *
 * <p>Closing: the {@link Replicator} closes the stream returned by {@link #wrapReceive} and the
 * raw send stream when a transfer ends or is aborted, possibly from another thread; a wrapper
 * passes {@code close} on to the stream it wraps. A wrapper reports a damaged stream by throwing
 * {@link io.snapferry.dataset.DatasetException} with {@code CORRUPT_STREAM} (retried) or an
 * {@link IOException}.
 *
 * <p>Frames sent again: when the send stream can re-send frames, the {@link Replicator} hands the
 * receive that back channel past both halves, so {@code wrapReceive(wrapSend(x))} must give x's
 * bytes back unchanged as they come, also the bytes that come after a request (a wrapper may
 * buffer: the frames it holds count as in flight).
 */
public interface StreamTransform {

    /** Wraps the raw send stream into what travels. */
    InputStream wrapSend(InputStream sendStream, StepContext context) throws IOException;

    /** Unwraps what travelled into what the target's receive reads. */
    InputStream wrapReceive(InputStream wireStream, StepContext context) throws IOException;

    /** Passes the bytes through unchanged. */
    StreamTransform IDENTITY = new StreamTransform() {
        @Override
        public InputStream wrapSend(InputStream sendStream, StepContext context) {
            return sendStream;
        }

        @Override
        public InputStream wrapReceive(InputStream wireStream, StepContext context) {
            return wireStream;
        }
    };
}
